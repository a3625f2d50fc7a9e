// The federation's commands of tiebreak-collector: publish (what is sent, and sending it) and
// observatory (registering authorities, reading the aggregate).
import { readFileSync } from 'node:fs';
import { InputError, UsageError, noMoreArguments } from '@tiebreak/shared';
import type { Collector } from '../collector.ts';
import { toCsv } from '../exports/tables.ts';
import type { Db } from '../store/db.ts';
import {
  buildPublication,
  exclude,
  exclusions,
  FederationError,
  include,
  publish,
  setAuthority,
  sharedRules,
  shareRule,
  signedPublication,
} from './document.ts';
import { publicKeyPem } from './keys.ts';
import { aggregateTable, computeAggregate, listAuthorities, ObservatoryError, proposalsYaml, registerAuthority, revokeAuthority } from './observatory.ts';
import { audited, cliActor, recordAudit } from '../accounts/audit.ts';

export const FEDERATION_HELP = `  tiebreak-collector publish --preview | publish --to URL --token TOKEN [--db FILE]
      The anonymised document for a TIE Break observatory (docs/federation.md): indicators per area,
      counts per vendor, product and origin, spend by origin, critical dependencies, trajectory;
      never a host name, id, serial, address or user. --preview prints it as it would be sent;
      --to sends it, signed with this collector's key, with the token the observatory gave.
  tiebreak-collector publish key | publish authority --name NAME [--siren SIREN]
      | publish exclude|include VENDOR[/PRODUCT] | publish exclusions | publish share|unshare VENDOR/PRODUCT
      The public key to register with the observatory; the authority's name and SIREN; items left
      out of the document; local rules proposed to the commons.
  tiebreak-collector serve --observatory ...
      Also act as an observatory: accept the documents of registered authorities, aggregate them.
  tiebreak-collector observatory register --name NAME [--siren SIREN] --public-key FILE
      | observatory list [--json] | observatory revoke ID
      | observatory aggregate [--format json|csv] | observatory proposals [--db FILE]
      Register an authority by its collector's public key: prints the token it publishes with
      (shown once). The aggregate across authorities; the proposed rules as a rules YAML file.
`;

export const FEDERATION_OPTIONS = {
  preview: { type: 'boolean' },
  to: { type: 'string' },
  token: { type: 'string' },
  siren: { type: 'string' },
  'public-key': { type: 'string' },
  observatory: { type: 'boolean' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;
const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);

export async function runPublishCommand(collector: Collector, args: string[], values: Values): Promise<number> {
  const { db } = collector;
  const [sub, ref, ...rest] = args;
  noMoreArguments(rest);
  try {
    if (sub === undefined) {
      if (values.preview) {
        if (values.to !== undefined) throw new UsageError('--preview prints the document; --to sends it: one or the other');
        print(JSON.stringify(await signedPublication(db, collector.classifier), null, 2));
        return 0;
      }
      const to = values.to as string | undefined;
      const token = values.token as string | undefined;
      if (!to || !token) throw new UsageError('publish needs --preview, or --to URL --token TOKEN');
      const result = await publish(db, collector.classifier, to, token);
      await recordAudit(db, {
        actor: cliActor(),
        action: 'federation.publish',
        object: result.origin,
        details: `${result.document.document_id}: ${result.status}`,
      });
      if (result.status >= 200 && result.status < 300) {
        print(
          `published: document ${result.document.document_id} accepted by ${result.origin} (${result.document.size.hosts} hosts, ${result.document.vendors.length} vendors)`,
        );
        return 0;
      }
      process.stderr.write(`publish: refused by ${result.origin} (${result.status}): ${String(result.answer.error ?? JSON.stringify(result.answer))}\n`);
      return 1;
    }
    if (ref !== undefined && (sub === 'key' || sub === 'authority' || sub === 'exclusions')) throw new UsageError(`unexpected argument: ${ref}`);
    switch (sub) {
      case 'key':
        print(await publicKeyPem(db));
        return 0;
      case 'authority':
        if (values.name === undefined && values.siren === undefined) throw new UsageError('publish authority needs --name NAME and/or --siren SIREN');
        await setAuthority(db, values.name as string | undefined, values.siren as string | undefined);
        print(`authority: ${JSON.stringify((await buildPublication(db, collector.classifier)).authority)}`);
        return 0;
      case 'exclusions':
        print((await exclusions(db)).join('\n') || '(none)');
        return 0;
      case 'exclude':
      case 'include':
      case 'share':
      case 'unshare': {
        if (!ref) throw new UsageError(`publish ${sub} needs VENDOR${sub === 'exclude' || sub === 'include' ? '[/PRODUCT]' : '/PRODUCT'}`);
        if (sub === 'exclude') await exclude(db, collector.classifier, ref, 'cli');
        else if (sub === 'include') {
          if (!(await include(db, ref))) throw new InputError(`${ref} was not excluded`);
        } else await shareRule(db, ref, 'cli', sub === 'share');
        print(
          `${ref}: ${sub === 'exclude' ? 'left out of the document' : sub === 'include' ? 'in the document again' : sub === 'share' ? 'proposed to the commons' : 'no longer proposed'}${sub === 'share' || sub === 'unshare' ? ` (${(await sharedRules(db)).length} proposed)` : ''}`,
        );
        return 0;
      }
      default:
        throw new UsageError(
          `unknown publish command: ${sub}; try 'publish --preview', 'publish --to URL --token TOKEN', or publish key|authority|exclude|include|exclusions|share|unshare`,
        );
    }
  } catch (error) {
    if (error instanceof FederationError) throw new InputError(error.message);
    throw error;
  }
}

export async function runObservatoryCommand(db: Db, args: string[], values: Values): Promise<number> {
  const [sub, id, ...rest] = args;
  noMoreArguments(rest);
  try {
    switch (sub) {
      case 'register': {
        if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
        const name = values.name as string | undefined;
        const file = values['public-key'] as string | undefined;
        if (!name || !file)
          throw new UsageError("observatory register needs --name NAME --public-key FILE (the PEM that `publish key` prints on the authority's collector)");
        let pem: string;
        try {
          pem = readFileSync(file, 'utf8');
        } catch (error) {
          throw new InputError(`cannot read ${file}: ${(error as Error).message}`);
        }
        const created = await audited(
          db,
          cliActor(),
          (trx) => registerAuthority(trx, { name, siren: values.siren as string | undefined, publicKey: pem }),
          (r) => ({ action: 'observatory.register', object: r.id, details: `${name.trim()} (${r.key_id})` }),
        );
        process.stderr.write(`authority ${created.id} "${name.trim()}" registered (key ${created.key_id}); its token is shown only this once:\n`);
        print(created.token);
        return 0;
      }
      case 'list': {
        if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
        const rows = await listAuthorities(db);
        if (values.json) print(JSON.stringify(rows, null, 2));
        else
          print(
            rows.length
              ? rows
                  .map(
                    (r) =>
                      `${String(r.id).padStart(4)}  ${r.name}${r.siren ? ` (${r.siren})` : ''}  key ${r.key_id}  ${r.documents} documents${r.last_created_at ? `, latest ${r.last_created_at}` : ''}${r.revoked_at ? '  REVOKED' : ''}`,
                  )
                  .join('\n')
              : '(no authority registered)',
          );
        return 0;
      }
      case 'revoke': {
        if (!id || !/^[1-9]\d{0,15}$/.test(id)) throw new UsageError("observatory revoke needs an ID (see 'observatory list')");
        if (
          !(await audited(
            db,
            cliActor(),
            (trx) => revokeAuthority(trx, Number(id)),
            (ok) => (ok ? { action: 'observatory.revoke', object: Number(id) } : null),
          ))
        )
          throw new InputError(`no authority ${id} to revoke (unknown or already revoked)`);
        print(`authority ${id} revoked: its token and key are refused from now on`);
        return 0;
      }
      case 'aggregate': {
        if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
        const format = (values.format as string | undefined) ?? 'json';
        if (format !== 'json' && format !== 'csv') throw new UsageError(`--format must be json or csv, not ${format}`);
        const aggregate = await computeAggregate(db, { dependencyLimit: format === 'csv' ? 1000 : 100 });
        process.stdout.write(format === 'csv' ? toCsv(aggregateTable(aggregate)) : `${JSON.stringify(aggregate, null, 2)}\n`);
        return 0;
      }
      case 'proposals':
        if (id !== undefined) throw new UsageError(`unexpected argument: ${id}`);
        process.stdout.write(proposalsYaml(await computeAggregate(db)));
        return 0;
      default:
        throw new UsageError(`unknown observatory command: ${sub ?? '(none)'}; try 'observatory register|list|revoke ID|aggregate|proposals'`);
    }
  } catch (error) {
    if (error instanceof ObservatoryError) throw new InputError(error.message);
    throw error;
  }
}
