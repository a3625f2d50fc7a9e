// The assessment's commands of tiebreak-collector: report, spend, asset, target, scenario.
import { basename } from 'node:path';
import { InputError, UsageError, noMoreArguments, readInput } from '@tiebreak/shared';
import type { Collector } from '../collector.ts';
import { computeAssessment } from './compute.ts';
import { history, setTarget, targets, TRACKED } from './history.ts';
import { audited, cliActor } from '../accounts/audit.ts';
import { getAuthority } from '../store/authority.ts';
import { addAsset, importAssets, importSpend, listAssets, removeAsset, spendLines, validateAsset } from './inputs.ts';
import { reportCsv, reportMarkdown } from './report.ts';
import { runScenario } from './scenario.ts';

export const ASSESSMENT_COMMANDS = ['report', 'spend', 'asset', 'target', 'scenario'] as const;

export const ASSESSMENT_HELP = `  tiebreak-collector report [--format json|csv|md] [--products] [--year N] [--lang en|fr] [--db FILE]
      The dependency assessment (docs/methodology.md): exposure, lock-in and priority per area and
      overall, shares by origin, spend, critical dependencies, trajectory. CSV: the indicators per area, or with
      --products one line per product. Markdown in English, or in French with --lang fr.
  tiebreak-collector spend import FILE | spend list [--year N] [--db FILE]
      Annual spend from the finance software: a CSV with vendor and/or product, amount, year, and
      optionally contract and supplier. A year's lines replace that year's previous import.
  tiebreak-collector asset add --name NAME --vendor VENDOR --area infrastructure|workstation|software
      [--users N] [--cost EUR --year YYYY] [--contract REF] [--note TEXT] | asset import FILE
      | asset list | asset remove ID
      Declared assets no agent sees (SaaS, cloud, hosting, telecom, services); a cost is for a
      year and, with its contract reference, never counted twice with a spend line.
  tiebreak-collector target set INDICATOR YEAR VALUE | target remove INDICATOR YEAR | target list
      A target for a tracked indicator (${TRACKED.join(', ')}).
  tiebreak-collector scenario --product VENDOR/PRODUCT --alternative ID --hosts N
      The effect on exposure, priority and spend of replacing a product on N hosts (changes nothing);
      ID is one of the product's alternatives (of its category, lowering the dependency), as
      \`report --format json\` lists them.
`;

export const ASSESSMENT_OPTIONS = {
  format: { type: 'string' },
  lang: { type: 'string' },
  products: { type: 'boolean' },
  year: { type: 'string' },
  vendor: { type: 'string' },
  area: { type: 'string' },
  users: { type: 'string' },
  cost: { type: 'string' },
  contract: { type: 'string' },
  note: { type: 'string' },
  product: { type: 'string' },
  alternative: { type: 'string' },
  hosts: { type: 'string' },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

function readFile(file: string | undefined, what: string): string {
  if (!file) throw new UsageError(`${what} needs a FILE`);
  return readInput(file);
}

function yearOption(values: Values): number | undefined {
  const text = values.year as string | undefined;
  if (text === undefined) return undefined;
  if (!/^\d{4}$/.test(text)) throw new UsageError(`--year must be a year such as 2026, not ${text}`);
  return Number(text);
}

const print = (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
const json = (value: unknown) => print(JSON.stringify(value, null, 2));

/** Run one assessment command against an open collector; the exit code. */
export async function runAssessmentCommand(
  collector: Collector,
  command: (typeof ASSESSMENT_COMMANDS)[number],
  args: string[],
  values: Values,
): Promise<number> {
  const { db } = collector;
  switch (command) {
    case 'report': {
      noMoreArguments(args);
      const format = (values.format as string | undefined) ?? 'json';
      if (!['json', 'csv', 'md'].includes(format)) throw new UsageError(`--format must be json, csv or md, not ${format}`);
      const lang = (values.lang as string | undefined) ?? 'en';
      if (lang !== 'en' && lang !== 'fr') throw new UsageError(`--lang must be en or fr, not ${lang}`);
      const a = await computeAssessment(db, collector.classifier, { year: yearOption(values) });
      const authority = await getAuthority(db);
      if (format === 'json') json({ authority, ...a, history: await history(db) });
      else if (format === 'csv') process.stdout.write(reportCsv(a, values.products ? 'products' : 'indicators'));
      else print(reportMarkdown(a, await history(db), authority, lang));
      return 0;
    }
    case 'spend': {
      const [sub, file, ...rest] = args;
      noMoreArguments(rest);
      if (sub === 'list') {
        if (file) throw new UsageError(`unexpected argument: ${file}`);
        json(await spendLines(db, yearOption(values)));
        return 0;
      }
      if (sub !== 'import') throw new UsageError(`unknown spend command: ${sub ?? '(none)'}; try 'spend import FILE' or 'spend list'`);
      const text = readFile(file, 'spend import');
      const name = file === '-' ? 'stdin' : basename(file!);
      const result = await audited(
        db,
        cliActor(),
        (trx) => importSpend(trx, collector.classifier, text, name),
        (r) => ({ action: 'spend.import', object: name, details: `${r.lines} lines, ${r.years.join(', ')}, ${r.total_eur} €` }),
      );
      await collector.takeSnapshot();
      if (values.json) json(result);
      else {
        print(
          `spend: ${result.lines} lines imported for ${result.years.join(', ')}, ${result.total_eur.toLocaleString('en-GB')} € in all; ${result.matched} matched to a vendor`,
        );
        for (const u of result.unmatched)
          print(
            `  not recognised, line ${u.line}: ${u.vendor ?? u.supplier ?? ''}${u.product ? ` / ${u.product}` : ''} (${u.amount_eur} €): counted as of unknown origin`,
          );
      }
      return 0;
    }
    case 'asset': {
      const [sub, arg, ...rest] = args;
      noMoreArguments(rest);
      if (sub === 'list') {
        json(await listAssets(db));
        return 0;
      }
      if (sub === 'add') {
        if (arg) throw new UsageError(`unexpected argument: ${arg}`);
        const checked = validateAsset({
          name: values.name as string,
          vendor: values.vendor as string,
          area: values.area as string,
          users: values.users as string,
          cost: values.cost as string,
          year: values.year as string,
          contract: values.contract as string,
          note: values.note as string,
        });
        if ('problems' in checked) throw new UsageError(`asset add: ${checked.problems.map((p) => p.message).join('; ')}`);
        const id = await audited(
          db,
          cliActor(),
          (trx) => addAsset(trx, checked.asset, 'cli'),
          (added) => ({ action: 'asset.add', object: added, details: checked.asset.name }),
        );
        print(`asset ${id} added`);
        await collector.takeSnapshot();
        return 0;
      }
      if (sub === 'import') {
        const text = readFile(arg, 'asset import');
        const added = await audited(
          db,
          cliActor(),
          (trx) => importAssets(trx, text, 'cli'),
          (n) => ({ action: 'asset.import', object: arg === '-' ? 'stdin' : basename(arg ?? 'stdin'), details: `${n} assets` }),
        );
        print(`assets: ${added} added`);
        await collector.takeSnapshot();
        return 0;
      }
      if (sub === 'remove') {
        if (!arg || !/^\d+$/.test(arg)) throw new UsageError('asset remove needs an ID (see asset list)');
        if (
          !(await audited(
            db,
            cliActor(),
            (trx) => removeAsset(trx, Number(arg)),
            (done) => (done ? { action: 'asset.remove', object: Number(arg) } : null),
          ))
        )
          throw new InputError(`no asset ${arg}`);
        print(`asset ${arg} removed`);
        await collector.takeSnapshot();
        return 0;
      }
      throw new UsageError(`unknown asset command: ${sub ?? '(none)'}; try 'asset add|import|list|remove'`);
    }
    case 'target': {
      const [sub, indicator, year, value, ...rest] = args;
      noMoreArguments(rest);
      if (sub === 'list') {
        json(await targets(db));
        return 0;
      }
      if (sub !== 'set' && sub !== 'remove') throw new UsageError(`unknown target command: ${sub ?? '(none)'}; try 'target set|remove|list'`);
      if (!indicator || !year || (sub === 'set' && value === undefined))
        throw new UsageError(`target ${sub} needs INDICATOR YEAR${sub === 'set' ? ' VALUE' : ''}`);
      if (sub === 'remove' && value !== undefined) throw new UsageError(`unexpected argument: ${value}`);
      const number = sub === 'set' ? Number(value) : null;
      if (sub === 'set' && !Number.isFinite(number)) throw new UsageError(`VALUE must be a number, not ${value}`);
      await audited(
        db,
        cliActor(),
        (trx) => setTarget(trx, indicator, Number(year), number),
        () =>
          number === null
            ? { action: 'target.remove', object: `${indicator} ${year}` }
            : { action: 'target.set', object: `${indicator} ${year}`, details: String(number) },
      );
      print(sub === 'set' ? `target ${indicator} ${year}: ${number}` : `target ${indicator} ${year} removed`);
      return 0;
    }
    case 'scenario': {
      noMoreArguments(args);
      const product = values.product as string | undefined;
      const alternative = values.alternative as string | undefined;
      const hosts = values.hosts as string | undefined;
      if (!product || !alternative || !hosts) throw new UsageError('scenario needs --product VENDOR/PRODUCT --alternative ID --hosts N');
      if (!/^\d+$/.test(hosts)) throw new UsageError(`--hosts must be a whole number, not ${hosts}`);
      json(runScenario(await computeAssessment(db, collector.classifier), collector.classifier, { product, alternative, hosts: Number(hosts) }));
      return 0;
    }
  }
}
