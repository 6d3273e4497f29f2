import type { FastifyPluginAsync } from 'fastify';
import { requireApiVersion } from '../checks.js';
import { dateOf } from '../api-versions.js';
import { originOf } from '../ids.js';
import { parseHost } from '../../server/hosts.js';

/**
 * Cloud metadata, the way the Azure CLI and SDKs learn a cloud's endpoints, in ARM's three shapes by api-version:
 * before 2019-05-01 the Azure Stack dictionary; from 2019-05-01 the list of clouds (what ARM_CLOUD_METADATA_URL
 * must return: az iterates it); from 2022-09-01 the one cloud this ARM endpoint belongs to (what
 * `az cloud register --endpoint-resource-manager` reads since azure-cli 2.7x, and go-azure-sdk's metadata client).
 * Every endpoint is Kyanite itself; the AD endpoint ends in /adfs so MSAL skips instance discovery. Read without a
 * token: clients fetch it before they can get one.
 */
export function metadataRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/metadata/endpoints', async (request) => {
      requireApiVersion(request, 'generic');
      const base = `${originOf(request)}/`;
      const authentication = { loginEndpoint: `${base}adfs`, audiences: [base], tenant: 'adfs', identityProvider: 'ADFS' };
      if (dateOf(request.armApiVersion) < '2019-05-01') {
        return { galleryEndpoint: base, graphEndpoint: base, portalEndpoint: base, authentication };
      }
      const { port } = parseHost(request.headers.host);
      const portSuffix = port && port !== '443' ? `:${port}` : '';
      // The CLI prepends the dot itself; vault URLs become https://NAME.vault.localhost:PORT.
      const cloud = {
        name: 'Kyanite',
        portal: base,
        authentication,
        media: base,
        graphAudience: base,
        graph: base,
        batch: base,
        resourceManager: base,
        sqlManagement: base,
        gallery: base,
        activeDirectoryDataLake: base,
        vmImageAliasDoc: `${base}metadata/vm-image-aliases.json`,
        microsoftGraphResourceId: base,
        appInsightsResourceId: base,
        appInsightsTelemetryChannelResourceId: base,
        attestationResourceId: base,
        synapseAnalyticsResourceId: base,
        logAnalyticsResourceId: base,
        ossrDbmsResourceId: base,
        suffixes: {
          keyVaultDns: `vault.localhost${portSuffix}`,
          mhsmDns: `managedhsm.localhost${portSuffix}`,
          storage: 'core.windows.net',
          sqlServerHostname: 'database.windows.net',
          acrLoginServer: 'azurecr.io',
        },
      };
      return dateOf(request.armApiVersion) < '2022-09-01' ? [cloud] : cloud;
    });
  };
}
