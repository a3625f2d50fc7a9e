// Assignment rules: which entity a host belongs to by its AD domain, its name or the subnet its
// inventories come from. Tried in order at each ingest; the first that matches wins over the entity
// of the host's enrolment token. A host moved by hand stays where it was put.
import { isIPv4 } from 'node:net';
import { DomainError } from '../errors.ts';
import { rows, sql, transaction, value, type Db } from '../store/db.ts';
import { getEntity } from './entities.ts';

export const RULE_KINDS = ['domain', 'hostname', 'subnet'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export interface AssignmentRule {
  id: number;
  entity_id: number;
  kind: RuleKind;
  pattern: string;
  position: number;
}

/** What a host says that the rules read. */
export interface HostFacts {
  hostname: string;
  domain: string | null;
  /** The IPv4 address its inventory came from, when known. */
  address: string | null;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?';
const DOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);

function invalidPattern(kind: RuleKind, pattern: string): DomainError {
  const hint = {
    domain: 'a domain such as mairie.local or MAIRIE',
    hostname: 'a name with * and ? as wildcards, such as PC-MAIRIE-*',
    subnet: 'an IPv4 subnet such as 10.1.0.0/16',
  }[kind];
  return new DomainError('invalid', `"${pattern.slice(0, 60)}" is not ${hint}`, 'entityRulePattern', { pattern: pattern.slice(0, 60), kind });
}

function ipv4Number(address: string): number {
  return address.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

/** The pattern as stored: lower case for names, the network's own address for a subnet. */
export function parseRulePattern(kindText: string, text: string): { kind: RuleKind; pattern: string } {
  const kind = kindText.trim().toLowerCase() as RuleKind;
  if (!RULE_KINDS.includes(kind))
    throw new DomainError('invalid', `a rule is by ${RULE_KINDS.join(', ')}, not "${kindText.slice(0, 40)}"`, 'entityRuleKind', {
      kind: kindText.slice(0, 40),
    });
  const pattern = text.trim().toLowerCase();
  if (kind === 'domain') {
    if (pattern.length > 253 || !DOMAIN.test(pattern)) throw invalidPattern(kind, text);
    return { kind, pattern };
  }
  if (kind === 'hostname') {
    if (!pattern || pattern.length > 100 || !/^[a-z0-9._*?-]+$/.test(pattern)) throw invalidPattern(kind, text);
    return { kind, pattern };
  }
  const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(\d{1,2})$/.exec(pattern);
  const bits = match ? Number(match[2]) : -1;
  if (!match || !isIPv4(match[1]!) || bits > 32) throw invalidPattern(kind, text);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const network = (ipv4Number(match[1]!) & mask) >>> 0;
  return { kind, pattern: `${[24, 16, 8, 0].map((shift) => (network >>> shift) & 255).join('.')}/${bits}` };
}

function globMatches(glob: string, text: string): boolean {
  const source = glob
    .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`).test(text);
}

/** Whether a rule matches a host: a domain and its subdomains, a whole name, an address in the subnet. */
export function ruleMatches(rule: Pick<AssignmentRule, 'kind' | 'pattern'>, host: HostFacts): boolean {
  if (rule.kind === 'domain') {
    const domain = host.domain?.trim().toLowerCase();
    return !!domain && (domain === rule.pattern || domain.endsWith(`.${rule.pattern}`));
  }
  if (rule.kind === 'hostname') return globMatches(rule.pattern, host.hostname.trim().toLowerCase());
  const address = host.address?.startsWith('::ffff:') ? host.address.slice(7) : host.address;
  if (!address || !isIPv4(address)) return false;
  const [network, bitsText] = rule.pattern.split('/');
  const bits = Number(bitsText);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return (ipv4Number(address) & mask) >>> 0 === ipv4Number(network!);
}

/** The entity of the first rule (in their order) that matches the host, or undefined. */
export function entityByRules(rules: readonly AssignmentRule[], host: HostFacts): number | undefined {
  return rules.find((rule) => ruleMatches(rule, host))?.entity_id;
}

export async function listRules(db: Db): Promise<AssignmentRule[]> {
  return rows<AssignmentRule>(db, sql`SELECT id, entity_id, kind, pattern, position FROM entity_rules ORDER BY position, id`);
}

/** A rule at the end of the order. */
export async function addRule(db: Db, entityId: number, kindText: string, patternText: string, now = new Date()): Promise<AssignmentRule> {
  const { kind, pattern } = parseRulePattern(kindText, patternText);
  return transaction(db, async (trx) => {
    await getEntity(trx, entityId);
    const same = await value<number>(trx, sql`SELECT id FROM entity_rules WHERE kind = ${kind} AND pattern = ${pattern} LIMIT 1`);
    if (same !== undefined)
      throw new DomainError('conflict', `a rule by ${kind} "${pattern}" already exists (#${same})`, 'entityRuleExists', { pattern, id: same });
    const position = Number((await value<number>(trx, sql`SELECT MAX(position) FROM entity_rules`)) ?? 0) + 1;
    const { id } = await trx
      .insertInto('entity_rules')
      .values({ entity_id: entityId, kind, pattern, position, created_at: now.toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    return { id, entity_id: entityId, kind, pattern, position };
  });
}

async function getRule(db: Db, id: number): Promise<AssignmentRule> {
  const rule = Number.isSafeInteger(id)
    ? (await rows<AssignmentRule>(db, sql`SELECT id, entity_id, kind, pattern, position FROM entity_rules WHERE id = ${id}`))[0]
    : undefined;
  if (!rule) throw new DomainError('not_found', `no assignment rule ${id}`, 'entityRuleNotFound', { id });
  return rule;
}

export async function removeRule(db: Db, id: number): Promise<AssignmentRule> {
  return transaction(db, async (trx) => {
    const rule = await getRule(trx, id);
    await sql`DELETE FROM entity_rules WHERE id = ${id}`.execute(trx);
    // The hosts' addresses are kept only for the subnet rules: with the last one gone, they go too.
    if ((await value(trx, sql`SELECT 1 FROM entity_rules WHERE kind = 'subnet' LIMIT 1`)) === undefined)
      await sql`UPDATE hosts SET address = NULL WHERE address IS NOT NULL`.execute(trx);
    return rule;
  });
}

/** Swap a rule with the one before it (up) or after it (down) in the order; false at either end. */
export async function shiftRule(db: Db, id: number, direction: 'up' | 'down'): Promise<boolean> {
  return transaction(db, async (trx) => {
    await getRule(trx, id);
    const rules = await listRules(trx);
    const at = rules.findIndex((r) => r.id === id);
    const other = rules[direction === 'up' ? at - 1 : at + 1];
    if (!other) return false;
    const rule = rules[at]!;
    await sql`UPDATE entity_rules SET position = ${other.position} WHERE id = ${rule.id}`.execute(trx);
    await sql`UPDATE entity_rules SET position = ${rule.position} WHERE id = ${other.id}`.execute(trx);
    return true;
  });
}
