// The pages' half of the error model (errors.ts): a change that the domain refuses shows its form
// again with the reason, in the page's language, at the error's status. Anything else is a fault of
// ours and goes on to app.onError.
import { domainErrorOf, type ErrorKey, type ErrorParams } from '../../errors.ts';
import { formatNumber } from '../format.ts';
import { DICTS, fill, type Lang } from '../i18n.ts';

/**
 * An error's or a reason's text in the page's language: its key filled with its parameters (numbers
 * as the language writes them, names the rules give in both languages in this one); its English
 * message only where it has no key.
 */
export function errorText(lang: Lang, error: { message: string; key: ErrorKey | null; params: ErrorParams }): string {
  const template = error.key ? DICTS[lang].errors[error.key] : undefined;
  if (!template) return error.message;
  const values = Object.fromEntries(
    Object.entries(error.params).map(([name, value]) => [
      name,
      typeof value === 'number' ? formatNumber(lang, value) : typeof value === 'string' ? value : value[lang],
    ]),
  );
  return fill(template, values);
}

/** Several reasons joined as the language lists them; as a sentence of its own, with a capital first. */
export function reasonsText(lang: Lang, reasons: { message: string; key: ErrorKey | null; params: ErrorParams }[], sentence = false): string {
  const text = reasons.map((r) => errorText(lang, r)).join(DICTS[lang].listSep);
  return sentence ? text.charAt(0).toUpperCase() + text.slice(1) : text;
}

export type FormStatus = 400 | 403 | 404 | 409 | 503;

/** What a refused form is shown again with: the message, the status, the error as thrown (a CSV's bad lines...). */
export interface Refusal {
  message: string;
  status: FormStatus;
  error: unknown;
}

/** Make the change; if the domain refuses it, the form again with the reason (`rerender`). */
export async function submitForm(lang: Lang, change: () => Promise<Response>, rerender: (refusal: Refusal) => Response | Promise<Response>): Promise<Response> {
  try {
    return await change();
  } catch (error) {
    const refused = domainErrorOf(error);
    if (!refused) throw error;
    return rerender({ message: errorText(lang, refused), status: refused.status, error });
  }
}
