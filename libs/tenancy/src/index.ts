export {
  defaultTenantRegistryPath, loadTenantRegistry, parseTenantRegistry, TenantRefusedError, TenantRegistry, TenantRegistryConfigSchema,
  TenantRegistryFileSchema, TenantRegistryInvalidError,
} from './tenant-registry';
export type { Placement, TenantRefusal, TenantRegistryConfig, TenantRegistryFile } from './tenant-registry';
export { admitTicket, type AdmittedTicket } from './ticket-admission';
