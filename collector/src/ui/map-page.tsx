// The first page of the DSI: the dependency map at a glance, server-rendered. Every string from an
// inventory goes through JSX, which escapes it.
import type { FC } from 'hono/jsx';
import type { DependencyMap } from '../map/map.ts';

export type Lang = 'fr' | 'en';

const TEXT = {
  fr: {
    title: 'Carte des dépendances numériques',
    subtitle: 'Dépendance du système d’information aux fournisseurs non européens (TIE Break)',
    hosts: 'Postes et serveurs',
    installations: 'Installations',
    products: 'Produits distincts',
    unknown: 'Non reconnus',
    byArea: 'Par domaine TIE Break et origine',
    area: 'Domaine',
    vendors: 'Principaux éditeurs et constructeurs',
    vendor: 'Fournisseur',
    country: 'Pays',
    owner: 'Contrôlé par',
    origin: 'Origine',
    licence: 'Licence',
    byLicence: 'Par licence',
    byAgent: 'Agents qui ont remonté les inventaires',
    agent: 'Agent',
    unclassified: 'Éléments non reconnus',
    name: 'Nom',
    publisher: 'Éditeur',
    source: 'Source',
    empty: 'Aucun inventaire reçu pour l’instant. Lancez un agent : tiebreak-agent send --server URL --token JETON',
    json: 'Données JSON',
    other: 'English',
    duplicates: 'postes partagent un identifiant (clones) et sont gardés séparés',
    areas: { infrastructure: 'Infrastructure', workstation: 'Poste de travail', software: 'Logiciels', unknown: 'Non classé' },
    origins: { eu: 'UE / EEE', europe: 'Europe hors EEE', non_eu: 'Hors Europe', community: 'Communautaire', unknown: 'Inconnue' },
    licences: { open_source: 'Libre', proprietary: 'Propriétaire', unknown: 'Inconnue' },
  },
  en: {
    title: 'Digital dependency map',
    subtitle: 'Dependency of the information system on non-European vendors (TIE Break)',
    hosts: 'Workstations and servers',
    installations: 'Installations',
    products: 'Distinct products',
    unknown: 'Not recognised',
    byArea: 'By TIE Break area and origin',
    area: 'Area',
    vendors: 'Main vendors and manufacturers',
    vendor: 'Vendor',
    country: 'Country',
    owner: 'Controlled by',
    origin: 'Origin',
    licence: 'Licence',
    byLicence: 'By licence',
    byAgent: 'Agents that reported the inventories',
    agent: 'Agent',
    unclassified: 'Items not recognised',
    name: 'Name',
    publisher: 'Publisher',
    source: 'Source',
    empty: 'No inventory received yet. Run an agent: tiebreak-agent send --server URL --token TOKEN',
    json: 'JSON data',
    other: 'Français',
    duplicates: 'hosts share an id (clones) and are kept apart',
    areas: { infrastructure: 'Infrastructure', workstation: 'Workstation', software: 'Software', unknown: 'Unclassified' },
    origins: { eu: 'EU / EEA', europe: 'Europe outside EEA', non_eu: 'Non-European', community: 'Community', unknown: 'Unknown' },
    licences: { open_source: 'Open source', proprietary: 'Proprietary', unknown: 'Unknown' },
  },
} as const;

const ORIGIN_ORDER = ['eu', 'europe', 'community', 'non_eu', 'unknown'] as const;
const AREA_ORDER = ['infrastructure', 'workstation', 'software', 'unknown'] as const;
const ORIGIN_COLOUR: Record<string, string> = { eu: '#1f6f3f', europe: '#4c9a5f', community: '#2f5f9e', non_eu: '#b3261e', unknown: '#767676' };

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1b1b1b;background:#f6f6f6}
header{background:#000091;color:#fff;padding:1rem 2rem}header h1{margin:0;font-size:1.5rem}header p{margin:.25rem 0 0}
header a{color:#fff}main{padding:1rem 2rem;max-width:1200px}section{background:#fff;border-radius:6px;padding:1rem;margin:1rem 0}
.kpis{display:flex;gap:1rem;flex-wrap:wrap}.kpi{background:#fff;border-radius:6px;padding:1rem;min-width:10rem}
.kpi b{display:block;font-size:1.8rem}table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.bar{display:flex;height:1.2rem;min-width:12rem;border-radius:3px;overflow:hidden;background:#eee}
.bar span{display:block}.legend span{display:inline-block;margin-right:1rem}.sw{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:middle}
`;

export const MapPage: FC<{ map: DependencyMap; lang: Lang }> = ({ map, lang }) => {
  const t = TEXT[lang];
  const cells = new Map(map.by_area_origin.map((c) => [`${c.area}|${c.origin}`, c]));
  const areas = AREA_ORDER.filter((area) => map.by_area_origin.some((c) => c.area === area));
  const pct = (part: number, whole: number) => (whole ? `${((100 * part) / whole).toFixed(1)} %` : '–');
  return (
    <html lang={lang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`tiebreak — ${t.title}`}</title>
        <style dangerouslySetInnerHTML={{ __html: STYLE }} />
      </head>
      <body>
        <header>
          <h1>{t.title}</h1>
          <p>
            {t.subtitle} · <a href={lang === 'fr' ? '?lang=en' : '?lang=fr'} lang={lang === 'fr' ? 'en' : 'fr'}>{t.other}</a> ·{' '}
            <a href="/api/v1/map">{t.json}</a>
          </p>
        </header>
        <main>
          <div class="kpis">
            <div class="kpi"><b>{map.totals.hosts}</b>{t.hosts}</div>
            <div class="kpi"><b>{map.totals.installations}</b>{t.installations}</div>
            <div class="kpi"><b>{map.totals.products}</b>{t.products}</div>
            <div class="kpi"><b>{pct(map.totals.unknown_installations, map.totals.installations)}</b>{t.unknown}</div>
          </div>
          {map.totals.duplicate_id_hosts > 0 && <p>{`${map.totals.duplicate_id_hosts} ${t.duplicates}`}</p>}
          {map.totals.hosts === 0 ? (
            <section><p>{t.empty}</p></section>
          ) : (
            <>
              <section aria-labelledby="by-area">
                <h2 id="by-area">{t.byArea}</h2>
                <p class="legend">
                  {ORIGIN_ORDER.map((o) => (
                    <span><i class="sw" style={`background:${ORIGIN_COLOUR[o]}`}></i>{t.origins[o]}</span>
                  ))}
                </p>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t.area}</th>
                      <th scope="col">{t.installations}</th>
                      {ORIGIN_ORDER.map((o) => <th scope="col" class="n">{t.origins[o]}</th>)}
                    </tr>
                  </thead>
                  <tbody>
                    {areas.map((area) => {
                      const row = ORIGIN_ORDER.map((o) => cells.get(`${area}|${o}`)?.installations ?? 0);
                      const total = row.reduce((a, b) => a + b, 0);
                      return (
                        <tr>
                          <th scope="row">{t.areas[area]}</th>
                          <td>
                            <div class="bar" role="img" aria-label={ORIGIN_ORDER.map((o, i) => `${t.origins[o]} ${pct(row[i]!, total)}`).join(', ')}>
                              {ORIGIN_ORDER.map((o, i) => <span style={`width:${total ? (100 * row[i]!) / total : 0}%;background:${ORIGIN_COLOUR[o]}`}></span>)}
                            </div>
                          </td>
                          {row.map((n) => <td class="n">{n}</td>)}
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="vendors">
                <h2 id="vendors">{t.vendors}</h2>
                <table>
                  <thead>
                    <tr>
                      <th scope="col">{t.vendor}</th><th scope="col">{t.country}</th><th scope="col">{t.owner}</th><th scope="col">{t.origin}</th>
                      <th scope="col" class="n">{t.hosts}</th><th scope="col" class="n">{t.installations}</th><th scope="col" class="n">{t.products}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {map.by_vendor.slice(0, 30).map((v) => (
                      <tr>
                        <td>{v.vendor}</td><td>{v.country ?? '–'}</td><td>{v.owner ? `${v.owner} (${v.owner_country ?? '?'})` : '–'}</td>
                        <td>{t.origins[v.origin as keyof typeof t.origins] ?? v.origin}</td>
                        <td class="n">{v.hosts}</td><td class="n">{v.installations}</td><td class="n">{v.products}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="licences">
                <h2 id="licences">{t.byLicence}</h2>
                <table>
                  <tbody>
                    {map.by_licence.map((l) => (
                      <tr><th scope="row">{t.licences[l.licence as keyof typeof t.licences] ?? l.licence}</th><td class="n">{l.installations}</td><td class="n">{l.products}</td></tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="agents">
                <h2 id="agents">{t.byAgent}</h2>
                <table>
                  <thead>
                    <tr><th scope="col">{t.agent}</th><th scope="col" class="n">{t.hosts}</th></tr>
                  </thead>
                  <tbody>
                    {map.hosts_by_agent.map((a) => (
                      <tr><th scope="row">{a.agent}</th><td class="n">{a.hosts}</td></tr>
                    ))}
                  </tbody>
                </table>
              </section>
              <section aria-labelledby="unknown">
                <h2 id="unknown">{`${t.unclassified} (${map.totals.unknown_products})`}</h2>
                <table>
                  <thead>
                    <tr><th scope="col">{t.name}</th><th scope="col">{t.publisher}</th><th scope="col">{t.source}</th><th scope="col" class="n">{t.hosts}</th></tr>
                  </thead>
                  <tbody>
                    {map.unclassified.map((u) => (
                      <tr><td>{u.name}</td><td>{u.publisher ?? '–'}</td><td>{u.source}</td><td class="n">{u.hosts}</td></tr>
                    ))}
                  </tbody>
                </table>
              </section>
            </>
          )}
        </main>
      </body>
    </html>
  );
};
