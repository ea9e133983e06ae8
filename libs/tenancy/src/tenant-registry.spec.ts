import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defaultTenantRegistryPath, loadTenantRegistry, parseTenantRegistry, TenantRefusedError, TenantRegistryConfigSchema, TenantRegistryInvalidError,
} from './index';

const REGISTRY = `
version: 1
unknownTenant: refuse
regionMismatch: correct
residencies: { eu: [eu-sovereign, eu-central-1], us: [us-east-1] }
tenants:
  acme-eu: { region: eu-sovereign, residency: eu, zendesk: { organizations: [acme-eu, '360001'], brands: ['9001'] } }
  globex: { region: us-east-1, residency: us }
`;

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TenantRefusedError) return error.refusal;
    throw error;
  }
  return 'placed';
};

describe('TenantRegistry', () => {
  const sut = parseTenantRegistry(REGISTRY);

  it('places a listed tenant in its region, correcting a ticket that claims another', () => {
    expect(sut.place('acme-eu', 'eu-sovereign')).toEqual({ tenantId: 'acme-eu', region: 'eu-sovereign' });
    expect(sut.place('acme-eu', 'us-east-1')).toEqual({ tenantId: 'acme-eu', region: 'eu-sovereign', correctedFrom: 'us-east-1' });
    expect(sut.place('acme-eu')).toEqual({ tenantId: 'acme-eu', region: 'eu-sovereign' });
  });

  it('refuses the contradicted claim instead when regionMismatch is refuse', () => {
    const strict = parseTenantRegistry(REGISTRY.replace('regionMismatch: correct', 'regionMismatch: refuse'));
    expect(refusal(() => strict.place('acme-eu', 'us-east-1'))).toBe('REGION_MISMATCH');
    expect(strict.place('acme-eu', 'eu-sovereign').region).toBe('eu-sovereign');
  });

  it('refuses an unknown tenant, or places it in the default region (whatever it claims) per policy', () => {
    expect(refusal(() => sut.place('umbrella', 'us-east-1'))).toBe('UNKNOWN');
    const lenient = parseTenantRegistry(REGISTRY.replace('unknownTenant: refuse', 'unknownTenant: default-region\ndefaultRegion: us-east-1'));
    expect(lenient.place('umbrella', 'eu-sovereign')).toEqual({ tenantId: 'umbrella', region: 'us-east-1', correctedFrom: 'eu-sovereign' });
  });

  it('refuses a tenant whose region this deployment does not serve', () => {
    const euOnly = parseTenantRegistry(REGISTRY, ['eu-sovereign']);
    expect(euOnly.place('acme-eu', 'eu-sovereign').region).toBe('eu-sovereign');
    expect(refusal(() => euOnly.place('globex', 'us-east-1'))).toBe('REGION_NOT_SERVED');
    // A claim of an unserved region cannot smuggle a ticket in: the registry's region decides.
    expect(euOnly.place('acme-eu', 'us-east-1').region).toBe('eu-sovereign');
  });

  it('maps Zendesk organisations (external or numeric id) and brands to tenants; unmapped ones stay unknown', () => {
    expect(sut.zendeskTenant({ organizationExternalId: 'acme-eu' })).toBe('acme-eu');
    expect(sut.zendeskTenant({ organizationExternalId: 'something-else', organizationId: '360001' })).toBe('acme-eu');
    expect(sut.zendeskTenant({ brandId: '9001' })).toBe('acme-eu');
    expect(sut.zendeskTenant({ organizationExternalId: 'globex' })).toBe('globex');
    expect(sut.zendeskTenant({ organizationExternalId: 'umbrella' })).toBeUndefined();
  });

  it.each([
    ['a default-region policy without a default region', 'version: 1\nunknownTenant: default-region\ntenants: {}', 'defaultRegion'],
    ['a region outside the residency', 'version: 1\nresidencies: { eu: [eu-sovereign] }\ntenants: { x: { region: us-east-1, residency: eu } }', 'outside residency'],
    ['an unknown residency', 'version: 1\ntenants: { x: { region: us-east-1, residency: mars } }', 'unknown residency'],
    ['a Zendesk organisation mapped twice', "version: 1\ntenants: { a: { region: us-east-1, zendesk: { organizations: ['1'] } }, b: { region: us-east-1, zendesk: { organizations: ['1'] } } }", 'mapped to both'],
    ['an unknown key', 'version: 1\ntenants: { a: { region: us-east-1, regoin: x } }', 'regoin'],
    ['a bad region', 'version: 1\ntenants: { a: { region: US East } }', 'region'],
    ['not YAML', 'version: [1', 'not valid YAML'],
  ])('refuses at start-up %s', (_what, text, problem) => {
    expect(() => parseTenantRegistry(text)).toThrow(TenantRegistryInvalidError);
    expect(() => parseTenantRegistry(text)).toThrow(expect.objectContaining({ message: expect.stringContaining(problem) }));
  });

  it('refuses at start-up a default region the deployment does not serve', () => {
    expect(() => parseTenantRegistry('version: 1\nunknownTenant: default-region\ndefaultRegion: us-east-1\ntenants: {}', ['eu-sovereign'])).toThrow(/not one of the regions this deployment serves/);
  });

  it('loads the registry file named in the config; the shipped one lists the reference tenants', () => {
    const shipped = loadTenantRegistry(TenantRegistryConfigSchema.parse({}));
    expect(defaultTenantRegistryPath()).toMatch(/libs\/tenancy\/config\/tenants\.yaml$/);
    expect(shipped.place('acme-eu', 'us-east-1').region).toBe('eu-sovereign');
    expect(shipped.place('globex').region).toBe('us-east-1');
    expect(refusal(() => shipped.place('umbrella', 'us-east-1'))).toBe('UNKNOWN');
    const dir = mkdtempSync(join(tmpdir(), 'sb-tenants-'));
    writeFileSync(join(dir, 'bad.yaml'), 'version: 2\ntenants: {}');
    expect(() => loadTenantRegistry(TenantRegistryConfigSchema.parse({ TENANT_REGISTRY_FILE: join(dir, 'bad.yaml') }))).toThrow(/version/);
    expect(() => loadTenantRegistry(TenantRegistryConfigSchema.parse({ TENANT_REGISTRY_FILE: join(dir, 'missing.yaml') }))).toThrow(/cannot read/);
  });
});
