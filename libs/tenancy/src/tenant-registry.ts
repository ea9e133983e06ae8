import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { canonicalJson, RegionSchema, TenantIdSchema } from '@switchboard/contracts';
import { env, SwitchboardError } from '@switchboard/observability';

/** The registry shipped with Switchboard: the reference backend's tenants (acme-eu, globex, initech). */
export function defaultTenantRegistryPath(): string {
  const candidates = [resolve(__dirname, '..', 'config', 'tenants.yaml'), resolve(__dirname, '..', '..', '..', '..', 'libs', 'tenancy', 'config', 'tenants.yaml')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

/**
 * Config fragment of every service that places tickets (ingress, supervisor).
 *
 * @example
 * export const IngressConfigSchema = BusConfigSchema.extend(TenantRegistryConfigSchema.shape).extend({ PORT: env.int(3000) });
 */
export const TenantRegistryConfigSchema = z.object({
  /** Tenant registry (YAML or JSON): tenant → region, residency, Zendesk organisations and brands; policy for unknown tenants. */
  TENANT_REGISTRY_FILE: z.string().min(1).default(defaultTenantRegistryPath),
  /** Regions this deployment serves (comma-separated); a ticket placed elsewhere is refused. Empty: every region the registry names. */
  TENANT_SERVED_REGIONS: env.list('').pipe(z.array(RegionSchema)),
});
export type TenantRegistryConfig = z.infer<typeof TenantRegistryConfigSchema>;

const ZendeskMappingSchema = z.object({
  /** Zendesk organisation external ids or numeric ids whose tickets belong to the tenant. */
  organizations: z.array(z.string().min(1).max(200)).default([]),
  /** Zendesk brand ids whose tickets belong to the tenant (when organisations do not tell). */
  brands: z.array(z.string().min(1).max(200)).default([]),
}).strict();

const TenantEntrySchema = z.object({
  region: RegionSchema,
  /** A key of `residencies`: the set of regions the tenant's contract allows its data in. */
  residency: z.string().min(1).max(50).optional(),
  zendesk: ZendeskMappingSchema.optional(),
}).strict();

/**
 * The registry file.
 *
 * @example
 * TenantRegistryFileSchema.parse({ version: 1, tenants: { 'acme-eu': { region: 'eu-sovereign' } } });
 */
export const TenantRegistryFileSchema = z.object({
  version: z.literal(1),
  unknownTenant: z.enum(['refuse', 'default-region']).default('refuse'),
  defaultRegion: RegionSchema.optional(),
  regionMismatch: z.enum(['correct', 'refuse']).default('correct'),
  residencies: z.record(z.string().min(1).max(50), z.array(RegionSchema).min(1)).default({}),
  tenants: z.record(TenantIdSchema, TenantEntrySchema),
}).strict().superRefine((file, ctx) => {
  if (file.unknownTenant === 'default-region' && !file.defaultRegion) {
    ctx.addIssue({ code: 'custom', path: ['defaultRegion'], message: 'unknownTenant: default-region needs a defaultRegion' });
  }
  const owners = new Map<string, string>();
  for (const [tenantId, t] of Object.entries(file.tenants)) {
    if (t.residency !== undefined) {
      const allowed = file.residencies[t.residency];
      if (!allowed) ctx.addIssue({ code: 'custom', path: ['tenants', tenantId, 'residency'], message: `unknown residency "${t.residency}" (define it under residencies)` });
      else if (!allowed.includes(t.region)) ctx.addIssue({ code: 'custom', path: ['tenants', tenantId, 'region'], message: `region ${t.region} is outside residency ${t.residency} (${allowed.join(', ')})` });
    }
    for (const [kind, ids] of [['organization', t.zendesk?.organizations ?? []], ['brand', t.zendesk?.brands ?? []]] as const) {
      for (const id of ids) {
        const key = `${kind}:${id}`;
        const other = owners.get(key);
        if (other && other !== tenantId) ctx.addIssue({ code: 'custom', path: ['tenants', tenantId, 'zendesk'], message: `Zendesk ${kind} ${id} is mapped to both ${other} and ${tenantId}` });
        owners.set(key, tenantId);
      }
    }
  }
});
export type TenantRegistryFile = z.infer<typeof TenantRegistryFileSchema>;

/** The registry file is missing, unreadable or invalid, or names a default region this deployment does not serve. */
export class TenantRegistryInvalidError extends SwitchboardError {
  constructor(path: string, problems: string[], cause?: unknown) {
    super('TENANT.REGISTRY_INVALID', 'user', `tenant registry ${path} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, { cause });
  }
}

/** Why a ticket was not placed: an unknown tenant, a region this deployment does not serve, or a contradicted claim. */
export type TenantRefusal = 'UNKNOWN' | 'REGION_NOT_SERVED' | 'REGION_MISMATCH';

/**
 * A ticket the registry will not place. Category `user`: the ingress answers 422, the supervisor dead-letters the
 * ticket with this reason and creates no case.
 *
 * @example
 * try { registry.place('acme-eu', 'us-east-1'); } catch (e) { if (e instanceof TenantRefusedError) e.refusal; }
 */
export class TenantRefusedError extends SwitchboardError {
  constructor(readonly refusal: TenantRefusal, message: string) {
    super(`TENANT.${refusal}`, 'user', message);
  }
}

/** Where a ticket goes: the region the registry gives, and the region the ticket claimed when that was overruled. */
export interface Placement {
  tenantId: string;
  region: string;
  /** Set when the ticket claimed another region and the registry corrected it. */
  correctedFrom?: string;
}

/**
 * The tenant registry: each tenant's region comes from here, not from the ticket. A listed tenant is placed in its
 * region (a ticket claiming another one is corrected or refused, per `regionMismatch`); an unlisted one is refused or
 * placed in `defaultRegion` (per `unknownTenant`); a region this deployment does not serve is refused.
 *
 * @example
 * const registry = loadTenantRegistry(config);
 * registry.place('acme-eu', 'us-east-1'); // { tenantId: 'acme-eu', region: 'eu-sovereign', correctedFrom: 'us-east-1' }
 * registry.zendeskTenant({ organizationExternalId: 'acme-eu' }); // 'acme-eu'
 */
export class TenantRegistry {
  readonly served: ReadonlySet<string>;
  /**
   * The version of the placement rules: `tenant-registry:` and the first 12 hex digits of the SHA-256 of the registry
   * and the regions served. A region-correction verdict names it.
   */
  readonly version: string;
  private readonly byZendesk = new Map<string, string>();

  constructor(readonly file: TenantRegistryFile, servedRegions: readonly string[] = [], readonly source = '(inline)') {
    const named = [...Object.values(file.tenants).map((t) => t.region), ...(file.defaultRegion ? [file.defaultRegion] : [])];
    this.served = new Set(servedRegions.length > 0 ? servedRegions : named);
    this.version = `tenant-registry:${createHash('sha256').update(canonicalJson({ file, served: [...this.served].sort() })).digest('hex').slice(0, 12)}`;
    if (file.unknownTenant === 'default-region' && !this.served.has(file.defaultRegion!)) {
      throw new TenantRegistryInvalidError(source, [`defaultRegion ${file.defaultRegion} is not one of the regions this deployment serves (${[...this.served].join(', ')})`]);
    }
    for (const [tenantId, t] of Object.entries(file.tenants)) {
      for (const org of t.zendesk?.organizations ?? []) this.byZendesk.set(`organization:${org}`, tenantId);
      for (const brand of t.zendesk?.brands ?? []) this.byZendesk.set(`brand:${brand}`, tenantId);
    }
  }

  /** The placement of a ticket of `tenantId` that claims `claimedRegion`; throws {@link TenantRefusedError}. */
  place(tenantId: string, claimedRegion?: string): Placement {
    const entry = this.file.tenants[tenantId];
    let region: string;
    if (entry) {
      region = entry.region;
      if (claimedRegion !== undefined && claimedRegion !== region && this.file.regionMismatch === 'refuse') {
        throw new TenantRefusedError('REGION_MISMATCH', `tenant ${tenantId} lives in region ${region}; the ticket claims ${claimedRegion}. Send it with region ${region} (or leave the region to the server)`);
      }
    } else if (this.file.unknownTenant === 'default-region') {
      region = this.file.defaultRegion!;
    } else {
      throw new TenantRefusedError('UNKNOWN', `tenant ${tenantId} is not in the tenant registry; add it (with its region) before sending its tickets`);
    }
    if (!this.served.has(region)) {
      throw new TenantRefusedError('REGION_NOT_SERVED', `tenant ${tenantId} lives in region ${region}, which this deployment does not serve (${[...this.served].join(', ')}); send it to the ${region} deployment`);
    }
    return { tenantId, region, ...(claimedRegion !== undefined && claimedRegion !== region ? { correctedFrom: claimedRegion } : {}) };
  }

  /**
   * The tenant of a Zendesk ticket: the tenant mapped to its organisation (external id, then numeric id), else to its
   * brand, else a listed tenant whose id is the organisation's external id. Undefined when none matches.
   */
  zendeskTenant(ref: { organizationExternalId?: string; organizationId?: string; brandId?: string }): string | undefined {
    for (const org of [ref.organizationExternalId, ref.organizationId]) {
      const mapped = org !== undefined ? this.byZendesk.get(`organization:${org}`) : undefined;
      if (mapped) return mapped;
    }
    const byBrand = ref.brandId !== undefined ? this.byZendesk.get(`brand:${ref.brandId}`) : undefined;
    if (byBrand) return byBrand;
    return ref.organizationExternalId !== undefined && this.file.tenants[ref.organizationExternalId] ? ref.organizationExternalId : undefined;
  }
}

/**
 * Parses a registry document (YAML or JSON) and checks it against the regions served.
 *
 * @example
 * const registry = parseTenantRegistry('version: 1\ntenants: { globex: { region: us-east-1 } }');
 */
export function parseTenantRegistry(text: string, servedRegions: readonly string[] = [], path = '(inline)'): TenantRegistry {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new TenantRegistryInvalidError(path, [`not valid YAML/JSON: ${(error as Error).message}`], error);
  }
  const result = TenantRegistryFileSchema.safeParse(raw);
  if (!result.success) throw new TenantRegistryInvalidError(path, result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  return new TenantRegistry(result.data, servedRegions, path);
}

/**
 * Reads and validates `TENANT_REGISTRY_FILE` at start-up; throws {@link TenantRegistryInvalidError} listing every problem.
 *
 * @example
 * const registry = loadTenantRegistry(loadConfigOrExit(TenantRegistryConfigSchema));
 */
export function loadTenantRegistry(config: TenantRegistryConfig): TenantRegistry {
  let text: string;
  try {
    text = readFileSync(config.TENANT_REGISTRY_FILE, 'utf8');
  } catch (error) {
    throw new TenantRegistryInvalidError(config.TENANT_REGISTRY_FILE, [`cannot read: ${(error as Error).message}`], error);
  }
  return parseTenantRegistry(text, config.TENANT_SERVED_REGIONS, config.TENANT_REGISTRY_FILE);
}
