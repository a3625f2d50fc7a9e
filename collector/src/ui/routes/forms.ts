// The pages' half of the error model (errors.ts): a change that the domain refuses shows its form
// again with the reason, in the page's language, at the error's status. Anything else is a fault of
// ours and goes on to app.onError.
import { domainErrorOf, type DomainError } from '../../errors.ts';
import { fill, type Dict } from '../i18n.ts';

/** The error's text in the page's language; its English message where it has no key yet. */
export function errorText(t: Dict, error: DomainError): string {
  const template = error.key ? t.errors[error.key] : undefined;
  return template ? fill(template, error.params) : error.message;
}

export type FormStatus = 400 | 403 | 404 | 409 | 503;

/** What a refused form is shown again with: the message, the status, the error as thrown (a CSV's bad lines...). */
export interface Refusal {
  message: string;
  status: FormStatus;
  error: unknown;
}

/** Make the change; if the domain refuses it, the form again with the reason (`rerender`). */
export async function submitForm(t: Dict, change: () => Promise<Response>, rerender: (refusal: Refusal) => Response | Promise<Response>): Promise<Response> {
  try {
    return await change();
  } catch (error) {
    const refused = domainErrorOf(error);
    if (!refused) throw error;
    return rerender({ message: errorText(t, refused), status: refused.status, error });
  }
}
