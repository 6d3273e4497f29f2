/**
 * Discovery documents. MSAL needs `issuer`, `token_endpoint`, `authorization_endpoint` and `jwks_uri`, with the issuer
 * on the authority's https host:port, so every URL is built from the Host the client used. The authorize endpoint is
 * advertised only because MSAL insists on it; no interactive flow is served.
 */

export type DiscoveryFlavor = 'v1' | 'v2' | 'adfs';

export interface OpenIdConfiguration {
  issuer: string;
  token_endpoint: string;
  authorization_endpoint: string;
  jwks_uri: string;
  token_endpoint_auth_methods_supported: string[];
  response_types_supported: string[];
  response_modes_supported: string[];
  subject_types_supported: string[];
  scopes_supported: string[];
  id_token_signing_alg_values_supported: string[];
  grant_types_supported: string[];
  claims_supported: string[];
  request_uri_parameter_supported: boolean;
  tenant_region_scope: null;
  cloud_instance_name: string;
  cloud_graph_host_name: string;
  msgraph_host: string;
}

/** host[:port] minus the port, for the `*_host_name` fields that name a host only. */
const hostName = (host: string): string => host.replace(/:\d+$/, '');

export function openIdConfiguration(host: string, flavor: DiscoveryFlavor, tenant: string): OpenIdConfiguration {
  const base = flavor === 'adfs' ? `https://${host}/adfs` : `https://${host}/${tenant}`;
  const paths =
    flavor === 'v2'
      ? {
          issuer: `${base}/v2.0`,
          token: `${base}/oauth2/v2.0/token`,
          authorize: `${base}/oauth2/v2.0/authorize`,
          jwks: `${base}/discovery/v2.0/keys`,
        }
      : {
          // Entra's v1 issuer ends with a slash (https://sts.windows.net/<tenant>/); ADFS's does not.
          issuer: flavor === 'v1' ? `${base}/` : base,
          token: `${base}/oauth2/token`,
          authorize: `${base}/oauth2/authorize`,
          jwks: `${base}/discovery/keys`,
        };
  return {
    issuer: paths.issuer,
    token_endpoint: paths.token,
    authorization_endpoint: paths.authorize,
    jwks_uri: paths.jwks,
    token_endpoint_auth_methods_supported: ['client_secret_post', 'client_secret_basic', 'private_key_jwt'],
    response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
    response_modes_supported: ['query', 'fragment', 'form_post'],
    subject_types_supported: ['pairwise'],
    scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
    id_token_signing_alg_values_supported: ['RS256'],
    grant_types_supported: ['client_credentials'],
    claims_supported: ['aud', 'iss', 'iat', 'nbf', 'exp', 'tid', 'oid', 'sub', 'appid', 'azp', 'ver', 'idtyp'],
    request_uri_parameter_supported: false,
    tenant_region_scope: null,
    cloud_instance_name: hostName(host),
    cloud_graph_host_name: hostName(host),
    msgraph_host: host,
  };
}

export interface InstanceDiscovery {
  tenant_discovery_endpoint: string;
  'api-version': string;
  metadata: { preferred_network: string; preferred_cache: string; aliases: string[] }[];
}

/**
 * MSAL's instance discovery. It names the authority it is about in `authorization_endpoint`
 * (`https://H/<tenant>/oauth2/v2.0/authorize`); the tenant of that URL wins over the path's, as with Entra.
 */
export function instanceDiscovery(host: string, pathTenant: string, authorizationEndpoint: string | undefined): InstanceDiscovery {
  let tenant = pathTenant;
  if (authorizationEndpoint) {
    try {
      const first = new URL(authorizationEndpoint).pathname.split('/').find((s) => s !== '');
      if (first) tenant = first;
    } catch {
      // Not a URL: keep the path's tenant, as a lenient stand-in should.
    }
  }
  return {
    tenant_discovery_endpoint: `https://${host}/${tenant}/v2.0/.well-known/openid-configuration`,
    'api-version': '1.1',
    metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
  };
}
