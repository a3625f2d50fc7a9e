// `pnpm demo`: a realistic authority generated at once (about 300 workstations and 40 servers of a
// town and its intercommunality), so that a newcomer sees a full map. The software strings are the
// example strings of the rules commons (real publisher and display names), plus home-grown
// business applications the rules do not know. Deterministic: the same seed, the same authority.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { hostIdentity, type Inventory, type SoftwareItem } from '@tiebreak/shared';
import {
  addAsset,
  computeAssessment,
  createCollector,
  createToken,
  createUser,
  enrolAgent,
  enrolPeerAgent,
  importSpend,
  isPostgresUrl,
  listen,
  recordSnapshot,
  setAuthority,
  setTarget,
  shownLocation,
  touchAgent,
} from '@tiebreak/collector';
import pino from 'pino';
import { progressWanted, startProgress } from '../collector/src/exports/progress.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string', default: 'data/demo.db' },
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: '127.0.0.1' },
    workstations: { type: 'string', default: '300' },
    servers: { type: 'string', default: '40' },
    'no-serve': { type: 'boolean', default: false },
    // The inventories ingested, on the standard error: always on a terminal, as lines with --progress.
    progress: { type: 'boolean', default: false },
  },
});

export const DEMO_USER = { username: 'demo', password: 'demo-tiebreak-2026' };

// A small deterministic generator (mulberry32).
let seed = 20261123;
const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;

const collector = await createCollector({ dbFile: ensureFresh(values.db), log: pino({ level: 'warn' }) });

/** An SQLite file made anew; a PostgreSQL database (--db postgres://...) is expected empty. */
function ensureFresh(file: string): string {
  if (isPostgresUrl(file)) return file;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(file + suffix)) rmSync(file + suffix);
  mkdirSync(dirname(file), { recursive: true });
  return file;
}

/** The first example of a product of the rules: a real display name and publisher. */
function example(ref: string): Omit<SoftwareItem, 'scope'> & { scope?: 'machine' | 'user' } {
  const [vendorId, productId] = ref.split('/') as [string, string];
  const product = collector.classifier.product(vendorId, productId);
  const ex = product?.examples.find((e) => !e.source || e.source === 'registry') ?? product?.examples[0];
  if (!ex) throw new Error(`demo: no product ${ref} in the rules`);
  return { name: ex.name, publisher: ex.publisher ?? null, source: 'registry', version: `${1 + Math.floor(random() * 20)}.${Math.floor(random() * 10)}` };
}

// Share of workstations with each product.
const WORKSTATION_SOFTWARE: [string, number][] = [
  ['microsoft/microsoft-365-apps', 0.85],
  ['microsoft/microsoft-teams', 0.8],
  ['microsoft/microsoft-edge', 1],
  ['microsoft/onedrive', 0.7],
  ['google/google-chrome', 0.6],
  ['mozilla/firefox', 0.55],
  ['adobe/acrobat-reader', 0.9],
  ['igor-pavlov/seven-zip', 0.5],
  ['videolan/vlc', 0.35],
  ['the-document-foundation/libreoffice-product', 0.3],
  ['zoom/zoom-workplace', 0.15],
  ['fortinet/forticlient', 0.25],
  ['citrix/citrix-workspace', 0.2],
  ['teclib/glpi-agent', 0.95],
  ['oracle/java-se', 0.3],
  ['sophos/sophos-endpoint', 1],
  ['dropbox/dropbox-app', 0.05],
  ['teamviewer/teamviewer-product', 0.08],
];
// Business applications by department.
const DEPARTMENTS: { name: string; share: number; software: string[] }[] = [
  { name: 'FIN', share: 0.1, software: ['berger-levrault/bl-emagnus'] },
  { name: 'RH', share: 0.06, software: ['ciril-group/civil-net'] },
  { name: 'ETAT-CIVIL', share: 0.06, software: ['arpege/adagio-arpege'] },
  { name: 'URBA', share: 0.08, software: ['esri/arcgis', 'qgis/qgis-product', 'autodesk/autocad'] },
  { name: 'ENF', share: 0.08, software: ['berger-levrault/bl-enfance'] },
  { name: 'ACCUEIL', share: 0.1, software: ['arpege/espace-citoyens'] },
  { name: 'ADM', share: 0.52, software: [] },
];
const LOCAL_APPS = [
  { name: 'Gestion des salles municipales', publisher: 'Service informatique mutualisé', version: '3.2' },
  { name: 'Régie cantine v2', publisher: 'Prestataire local SARL', version: '2.1.4' },
  { name: 'Suivi courrier', publisher: 'Service informatique mutualisé', version: '1.0' },
];
const MODELS = [
  { manufacturer: 'Dell Inc.', model: 'OptiPlex 7010', chassis: 'Desktop' },
  { manufacturer: 'HP', model: 'HP EliteBook 840 G9 Notebook PC', chassis: 'Notebook' },
  { manufacturer: 'LENOVO', model: 'ThinkCentre M70q', chassis: 'Desktop' },
];

function workstation(i: number): Inventory {
  const dept = (() => {
    let r = random();
    for (const d of DEPARTMENTS) if ((r -= d.share) < 0) return d;
    return DEPARTMENTS[DEPARTMENTS.length - 1]!;
  })();
  const hostname = `PC-${dept.name}-${String(i).padStart(3, '0')}`;
  const software: SoftwareItem[] = [];
  for (const [ref, share] of WORKSTATION_SOFTWARE) if (random() < share) software.push({ scope: 'machine', ...example(ref) });
  for (const ref of dept.software) software.push({ scope: 'machine', ...example(ref) });
  if (random() < 0.1) software.push({ scope: 'machine', source: 'registry', ...pick(LOCAL_APPS) });
  const model = pick(MODELS);
  return {
    schema_version: 1,
    id: crypto.randomUUID(),
    agent: { name: 'tiebreak-agent', version: '0.1.0' },
    collected_at: new Date(Date.now() - Math.floor(random() * (i % 37 === 0 ? 60 : 3)) * 86_400_000).toISOString(),
    host: hostIdentity({ smbiosUuid: `demo-ws-${i}`, hostname, domain: 'mairie.local', serial: `SN${i}` }),
    os: {
      family: 'windows',
      name: random() < 0.8 ? 'Microsoft Windows 11 Pro' : 'Microsoft Windows 10 Pro',
      version: '23H2',
      build: '22631.4460',
      arch: 'x64',
      vendor: 'Microsoft',
      edition: 'Professional',
    },
    hardware: { system: model, cpus: [{ manufacturer: 'Intel', model: 'Intel(R) Core(TM) i5-1345U' }], gpus: [], disks: [], virtualization: null, cloud: null },
    software,
  };
}

function server(i: number): Inventory {
  const linux = i % 3 === 0;
  const hostname = linux ? `srv-lin-${String(i).padStart(2, '0')}` : `SRV-WIN-${String(i).padStart(2, '0')}`;
  const software: SoftwareItem[] = linux
    ? [
        { name: 'postgresql-15', version: '15.8-0+deb12u1', publisher: 'Debian PostgreSQL Maintainers <@lists.debian.org>', source: 'dpkg', scope: 'machine' },
        { name: 'apache2', version: '2.4.62-1~deb12u2', publisher: 'Debian Apache Maintainers <@lists.debian.org>', source: 'dpkg', scope: 'machine' },
        { name: 'openssh-server', version: '1:9.2p1-2+deb12u3', publisher: 'Debian OpenSSH Maintainers <@lists.debian.org>', source: 'dpkg', scope: 'machine' },
        { name: 'open-vm-tools', version: '2:12.2.0-1+deb12u2', publisher: 'Bernd Zeimetz <@debian.org>', source: 'dpkg', scope: 'machine' },
      ]
    : [
        { scope: 'machine', ...example('microsoft/windows-server') },
        { scope: 'machine', ...example('vmware/vmware-tools') },
        { scope: 'machine', ...example('teclib/glpi-agent') },
        ...(i % 4 === 1 ? [{ scope: 'machine' as const, ...example('veeam/veeam-backup') }] : []),
      ];
  return {
    schema_version: 1,
    id: crypto.randomUUID(),
    agent: linux ? { name: 'GLPI-Agent', version: '1.11' } : { name: 'tiebreak-agent', version: '0.1.0' },
    collected_at: new Date().toISOString(),
    host: hostIdentity({ smbiosUuid: `demo-srv-${i}`, hostname, domain: 'mairie.local' }),
    os: linux
      ? { family: 'linux', name: 'Debian GNU/Linux', version: '12', build: 'bookworm', arch: 'x64', kernel: '6.1.0-27-amd64' }
      : {
          family: 'windows',
          name: 'Microsoft Windows Server 2022 Standard',
          version: '21H2',
          build: '20348.2849',
          arch: 'x64',
          vendor: 'Microsoft',
          edition: 'ServerStandard',
        },
    hardware: {
      system: { manufacturer: 'VMware, Inc.', model: 'VMware7,1', chassis: 'Other' },
      cpus: [{ manufacturer: 'Intel', model: 'Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz' }],
      gpus: [],
      disks: [],
      virtualization: 'VMware',
      cloud: null,
    },
    software,
  };
}

const inventories = [
  ...Array.from({ length: Number(values.workstations) }, (_, i) => workstation(i + 1)),
  ...Array.from({ length: Number(values.servers) }, (_, i) => server(i + 1)),
];
let ingested = 0;
const ingestAll = async (list: Inventory[], onProgress: (done: number) => void) => {
  for (let i = 0; i < list.length; i += 100) {
    const batch = list.slice(i, i + 100);
    await collector.ingestor.ingestMany(batch);
    onProgress((ingested += batch.length));
  }
};

// Each host's agent, as enrolled with the deployment's token: the tiebreak agents with their own
// credential (an empty spool at their last report), the GLPI agents of the Linux servers with the token.
const enrolment = await createToken(collector.db, { name: 'déploiement GPO et paquets', maxUses: null, expiresAt: null });
for (const inventory of inventories) {
  const host = { id: inventory.host.id, hostname: inventory.host.hostname };
  if (inventory.agent.name === 'GLPI-Agent') {
    // The DEVICEID GLPI Agent makes at its installation: the host name and the time.
    const peer = await enrolPeerAgent(collector.db, enrolment.id, 'glpi', host, `${host.hostname}-2026-09-01-08-00-00`, inventory.agent.version);
    if (!peer.ok) throw new Error(`demo: ${peer.reason}`);
    continue;
  }
  const agent = await enrolAgent(collector.db, enrolment.id, host, inventory.agent.version);
  if (!agent.ok) throw new Error(`demo: ${agent.reason}`);
  await touchAgent(collector.db, agent.agentId, inventory.agent.version, { waiting: 0, rejected: 0, oldest: null });
}

// Services no agent sees, declared from the start.
for (const asset of [
  {
    name: 'Microsoft 365 (messagerie Exchange Online)',
    vendor_text: 'Microsoft',
    area: 'software' as const,
    users: 380,
    annual_cost_cents: null,
    cost_year: null,
    contract_ref: null,
    note: 'tenant mairie.onmicrosoft.com',
  },
  {
    name: 'Hébergement du site web',
    vendor_text: 'OVH SAS',
    area: 'infrastructure' as const,
    users: 0,
    annual_cost_cents: 480_000,
    cost_year: 2026,
    contract_ref: '2022-WEB-01',
    note: null,
  },
  {
    name: 'Sauvegarde externalisée',
    vendor_text: 'Amazon Web Services',
    area: 'infrastructure' as const,
    users: 0,
    annual_cost_cents: 720_000,
    cost_year: 2026,
    contract_ref: '2025-SAV-01',
    note: 'S3 Glacier',
  },
])
  await addAsset(collector.db, asset, 'demo');

// A trajectory: 120 days ago the fleet as generated; then, every 40 days, another fifth of the
// workstations with Microsoft 365 Apps moves to LibreOffice (a migration the DSI runs in waves).
const dayAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
const libreoffice = example('the-document-foundation/libreoffice-product');
const m365 = example('microsoft/microsoft-365-apps');
const migrated = (inventory: Inventory, wave: number, index: number): Inventory => {
  if (index % 5 >= wave || !inventory.software.some((s) => s.name === m365.name)) return inventory;
  const software = inventory.software.filter((s) => s.name !== m365.name && s.name !== libreoffice.name);
  return { ...inventory, id: crypto.randomUUID(), software: [...software, { scope: 'machine', ...libreoffice }] };
};
const waves = [120, 80, 40, 0];
const sent = waves.map((_, wave) =>
  wave === 0 ? inventories : inventories.map((inv, i) => migrated(inv, wave, i)).filter((inv, i) => inv !== inventories[i]),
);
const progress = startProgress(
  'demo',
  'inventories',
  sent.reduce((n, list) => n + list.length, 0),
  progressWanted(values.progress, false),
);
for (const [wave, days] of waves.entries()) {
  await ingestAll(sent[wave]!, (done) => progress.update(done));
  if (days > 0) await recordSnapshot(collector.db, await computeAssessment(collector.db, collector.classifier), dayAgo(days));
}
progress.finish();

// Spend from the finance software.
await importSpend(
  collector.db,
  collector.classifier,
  [
    'Éditeur;Produit;Montant;Année;Contrat;Fournisseur',
    'Microsoft;Microsoft 365;118 400,00;2026;2024-INF-07;UGAP',
    'Microsoft;Windows Server;21 300,00;2026;2024-INF-07;UGAP',
    'VMware;vSphere;34 800,00;2026;2023-INF-02;Intégrateur Régional SAS',
    'Sophos;Intercept X;15 600,00;2026;2025-SEC-01;Intégrateur Régional SAS',
    'Berger-Levrault;e.magnus;48 200,00;2026;2019-FIN-03;',
    'Ciril GROUP;Civil Net RH;36 900,00;2026;2021-RH-01;',
    'Arpège;Adagio;12 400,00;2026;2020-EC-02;',
    'Esri;ArcGIS;9 800,00;2026;2022-SIG-01;Esri France',
    'Citrix;Citrix Workspace;11 200,00;2026;2021-INF-05;',
    ';;4 300,00;2026;;Prestataire local SARL',
  ].join('\n'),
  'finances-2026.csv',
);
await setTarget(collector.db, 'exposure', 2030, 30);
await collector.takeSnapshot();
await createUser(collector.db, DEMO_USER.username, 'admin', DEMO_USER.password);
await setAuthority(collector.db, { name: 'Commune de Démo-sur-Loire (données générées)' });
console.log(`demo: ${inventories.length} hosts generated in ${shownLocation(values.db)}`);

if (values['no-serve']) {
  await collector.close();
} else {
  const { server: http, port } = await listen(collector, Number(values.port), values.host);
  console.log(`Demo map:  http://${values.host}:${port}/   (log in as ${DEMO_USER.username} / ${DEMO_USER.password})`);
  console.log('Press Ctrl+C to stop.');
  const stop = () => http.close(() => void collector.close().finally(() => process.exit(0)));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
