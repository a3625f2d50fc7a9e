// The collector's tables as Kysely sees them (store/db.ts). Written by `pnpm schema:db`: do not edit.
import type { Generated } from 'kysely';

export interface AgentsTable {
  id: Generated<number>;
  host_key: string;
  hostname: string;
  credential_hash: string;
  token_id: number;
  enrolled_at: string;
  last_seen_at: string | null;
  agent_version: string | null;
  revoked_at: string | null;
  protocol: Generated<string>;
  spool_waiting: number | null;
  spool_rejected: number | null;
  spool_oldest: string | null;
  approval: string | null;
  claimed_by: number | null;
}

export interface ApiTokensTable {
  id: Generated<number>;
  name: string;
  role: string;
  token_hash: string;
  created_at: string;
  created_by: string | null;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

export interface AssessmentSnapshotsTable {
  day: string;
  computed_at: string;
  indicators: string;
}

export interface AssessmentTargetsTable {
  indicator: string;
  year: number;
  value: number;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor_kind: string;
  actor: string;
  action: string;
  object: string | null;
  details: string | null;
  ip: string | null;
}

export interface CatalogueTable {
  id: Generated<number>;
  kind: string;
  source: string;
  role: Generated<string>;
  host_os: Generated<string>;
  name: string;
  publisher: string | null;
  package: string | null;
  name_norm: string;
  publisher_norm: string;
  package_norm: string;
  vendor_id: string | null;
  product_id: string | null;
  country: string | null;
  owner_country: string | null;
  origin: string;
  licence: string;
  area: string | null;
  category: string | null;
  platform: Generated<number>;
  rule: string | null;
  evidence: string | null;
  confidence: string | null;
  installs: Generated<number>;
  hosts: Generated<number>;
  first_seen: string;
}

export interface CatalogueFacetsView {
  catalogue_id: number | null;
  facet: string | number | null | null;
  value: Buffer | null;
}

export interface CriticalityTable {
  scope: string;
  key: string;
  level: number;
}

export interface DeclaredAssetsTable {
  id: Generated<number>;
  name: string;
  vendor_text: string;
  area: string;
  users: Generated<number>;
  annual_cost_cents: number | null;
  note: string | null;
  created_by: string;
  created_at: string;
  cost_year: number | null;
  contract_ref: string | null;
}

export interface EnrolmentTokensTable {
  id: Generated<number>;
  name: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
  last_used_at: string | null;
  max_uses: number | null;
  uses: Generated<number>;
  expires_at: string | null;
  entity_id: number | null;
}

export interface EntitiesTable {
  id: Generated<number>;
  name: string;
  kind: string;
  siren: string | null;
  parent_id: number | null;
  created_at: string;
}

export interface EntityRulesTable {
  id: Generated<number>;
  entity_id: number;
  kind: string;
  pattern: string;
  position: number;
  created_at: string;
}

export interface FacetCountsTable {
  facet: string;
  value: string;
  hosts: number;
}

export interface FederationExclusionsTable {
  ref: string;
  created_by: string;
  created_at: string;
}

export interface FederationPublicationsTable {
  id: Generated<number>;
  document_id: string;
  created_at: string;
  sent_to: string;
  status: number;
  answer: string;
}

export interface FederationSharedRulesTable {
  ref: string;
  created_by: string;
  created_at: string;
}

export interface HostFacetsTable {
  host_id: number;
  facet: string;
  value: string;
}

export interface HostsTable {
  id: Generated<number>;
  host_key: string;
  id_source: string;
  hostname: string;
  domain: string | null;
  serial_hash: string | null;
  role: string;
  os_family: string;
  os_name: string;
  os_version: string | null;
  os_build: string | null;
  os_arch: string | null;
  os_kernel: string | null;
  os_edition: string | null;
  hardware_json: string;
  agent_name: string;
  agent_version: string;
  first_seen: string;
  last_seen: string;
  collected_at: string;
  software_count: Generated<number>;
  duplicate_id: Generated<number>;
  content_hash: string | null;
  entity_id: number | null;
  entity_by_hand: Generated<number>;
  address: string | null;
}

export interface InstallationsTable {
  host_id: number;
  catalogue_id: number;
  version: Generated<string>;
  scope: string;
  arch: Generated<string>;
}

export interface InventoryReceiptsTable {
  id: string;
  host_id: number;
  received_at: string;
  collected_at: string;
  items: number;
  partial: Generated<number>;
}

export interface LocalAssignmentsTable {
  id: Generated<number>;
  source: string;
  name: string;
  publisher: string | null;
  vendor_id: string;
  product_id: string;
  created_by: string;
  created_at: string;
}

export interface LocalProductsTable {
  vendor_id: string;
  id: string;
  name: string;
  area: string;
  category: string;
  licence: string;
  created_by: string;
  created_at: string;
}

export interface LocalVendorsTable {
  id: string;
  name: string;
  country: string | null;
  owner: string | null;
  created_by: string;
  created_at: string;
}

export interface LoginFailuresTable {
  key: string;
  failures: number;
  last_failure_at: string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface ObservatoryAuthoritiesTable {
  id: Generated<number>;
  name: string;
  siren: string | null;
  public_key: string;
  key_id: string;
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ObservatoryDocumentsTable {
  id: Generated<number>;
  authority_id: number;
  document_id: string;
  created_at: string;
  received_at: string;
  hosts: number;
  body: string;
}

export interface PendingLoginsTable {
  state_hash: string;
  binding_hash: string;
  verifier: string | null;
  nonce: string;
  next: string;
  expires_at: string;
}

export interface SchemaMigrationsTable {
  version: Generated<number>;
  name: string;
  applied_at: string;
}

export interface SessionsTable {
  id_hash: string;
  user_id: number;
  csrf: string;
  created_at: string;
  expires_at: string;
  id_token: string | null;
}

export interface SpendLinesTable {
  id: Generated<number>;
  year: number;
  amount_cents: number;
  vendor_text: string | null;
  product_text: string | null;
  contract_ref: string | null;
  supplier: string | null;
  source_file: string;
  source_line: number;
  imported_at: string;
}

export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: string;
  must_change_password: Generated<number>;
  created_at: string;
  last_login_at: string | null;
  source: Generated<string>;
  external_id: string | null;
}

export interface Tables {
  agents: AgentsTable;
  api_tokens: ApiTokensTable;
  assessment_snapshots: AssessmentSnapshotsTable;
  assessment_targets: AssessmentTargetsTable;
  audit_log: AuditLogTable;
  catalogue: CatalogueTable;
  catalogue_facets: CatalogueFacetsView;
  criticality: CriticalityTable;
  declared_assets: DeclaredAssetsTable;
  enrolment_tokens: EnrolmentTokensTable;
  entities: EntitiesTable;
  entity_rules: EntityRulesTable;
  facet_counts: FacetCountsTable;
  federation_exclusions: FederationExclusionsTable;
  federation_publications: FederationPublicationsTable;
  federation_shared_rules: FederationSharedRulesTable;
  host_facets: HostFacetsTable;
  hosts: HostsTable;
  installations: InstallationsTable;
  inventory_receipts: InventoryReceiptsTable;
  local_assignments: LocalAssignmentsTable;
  local_products: LocalProductsTable;
  local_vendors: LocalVendorsTable;
  login_failures: LoginFailuresTable;
  meta: MetaTable;
  observatory_authorities: ObservatoryAuthoritiesTable;
  observatory_documents: ObservatoryDocumentsTable;
  pending_logins: PendingLoginsTable;
  schema_migrations: SchemaMigrationsTable;
  sessions: SessionsTable;
  spend_lines: SpendLinesTable;
  users: UsersTable;
}
