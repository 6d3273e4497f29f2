// The container HEALTHCHECK: one HTTPS GET of /_kyanite/health, trusting Kyanite's own CA from the data volume.
// Exit 0 when healthy, 1 otherwise, within the timeout Docker gives it.
import fs from 'node:fs';
import https from 'node:https';

const port = Number(process.env.KYANITE_PORT || 8443);
const dataDir = process.env.KYANITE_DATA_DIR || '/data';
const caFile = `${dataDir}/tls/ca.pem`;
const ca = fs.existsSync(caFile) ? fs.readFileSync(caFile) : undefined;

const req = https.get(
  { host: '127.0.0.1', port, path: '/_kyanite/health', servername: 'localhost', ca, rejectUnauthorized: Boolean(ca), timeout: 2500 },
  (res) => {
    res.resume();
    process.exit(res.statusCode === 200 ? 0 : 1);
  },
);
req.on('timeout', () => req.destroy(new Error('timeout')));
req.on('error', (err) => {
  console.error(`unhealthy: ${err.message}`);
  process.exit(1);
});
