// The readable page of the JSON API: every /api/v1 route from the OpenAPI document's own list.
import { MAX_PAGE_SIZE } from '../api/pagination.ts';
import type { apiOperations } from '../http/openapi.ts';
import { fill } from './i18n.ts';
import { Layout, formatNumber, type PageContext } from './layout.tsx';

export function ApiPage(props: { ctx: PageContext; operations: ReturnType<typeof apiOperations> }) {
  const { ctx } = props;
  const a = ctx.t.apiTokens;
  return (
    <Layout ctx={ctx} title={a.docTitle} active="settings">
      <section aria-labelledby="api-routes">
        <h2 id="api-routes">{a.docTitle}</h2>
        <p>
          {`${a.docIntro} `}
          <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>
        </p>
        <p id="api-paging">{fill(a.paging, { max: formatNumber(ctx, MAX_PAGE_SIZE) })}</p>
        <table>
          <thead>
            <tr>
              <th scope="col">{a.route}</th>
              <th scope="col">{a.access}</th>
              <th scope="col">{a.what}</th>
              <th scope="col">{a.parameters}</th>
            </tr>
          </thead>
          <tbody>
            {props.operations.map((op) => (
              <tr>
                <th scope="row">
                  <code>{`${op.method} ${op.path}`}</code>
                </th>
                <td>{a.accessNames[op.access]}</td>
                <td>{op.summary}</td>
                <td>{op.parameters.length ? op.parameters.map((p) => <div>{p}</div>) : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </Layout>
  );
}
