// A strict, bounded XML reader for the reports of other inventory agents. No DTD is accepted (so no
// entity can be declared, expanded or fetched), and depth, element count, attribute and text sizes
// are capped: well-known inventory servers were hit through exactly these (XXE, billion laughs).
import { SaxesParser } from 'saxes';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

export interface XmlLimits {
  maxDepth: number;
  maxElements: number;
  maxAttributes: number;
  maxAttributeLength: number;
  maxTextLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxDepth: 32,
  maxElements: 250_000,
  maxAttributes: 32,
  maxAttributeLength: 4096,
  maxTextLength: 256 * 1024,
};

/** A SAX parser that builds the tree within the limits; `done()` closes it and gives the root. */
function treeBuilder(limits: XmlLimits): { write(text: string): void; done(): XmlElement } {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let elements = 0;
  const fail = (message: string): never => {
    throw new XmlError(`invalid XML at line ${parser.line}, column ${parser.column}: ${message}`);
  };
  const appendText = (value: string) => {
    const current = stack[stack.length - 1];
    if (!current) return; // whitespace outside the root element
    if (current.text.length + value.length > limits.maxTextLength) fail(`text of <${current.name}> longer than ${limits.maxTextLength} characters`);
    current.text += value;
  };
  parser.on('error', (error) => fail(error.message.replace(/^(\S+:)?\d+:\d+: /, '')));
  parser.on('doctype', () => fail('a DOCTYPE is not accepted (no DTD, no entity declarations)'));
  parser.on('opentag', (tag) => {
    if (stack.length >= limits.maxDepth) fail(`elements nested deeper than ${limits.maxDepth} levels`);
    if (++elements > limits.maxElements) fail(`more than ${limits.maxElements} elements`);
    const attributes: Record<string, string> = {};
    const entries = Object.entries(tag.attributes as Record<string, string>);
    if (entries.length > limits.maxAttributes) fail(`<${tag.name}> has more than ${limits.maxAttributes} attributes`);
    for (const [name, value] of entries) {
      if (value.length > limits.maxAttributeLength) fail(`attribute ${name} of <${tag.name}> longer than ${limits.maxAttributeLength} characters`);
      attributes[name] = value;
    }
    const element: XmlElement = { name: tag.name, attributes, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  });
  parser.on('closetag', () => {
    stack.pop();
  });
  parser.on('text', appendText);
  parser.on('cdata', appendText);
  const guarded = (step: () => void) => {
    try {
      step();
    } catch (error) {
      if (error instanceof XmlError) throw error;
      throw new XmlError(`invalid XML: ${(error as Error).message}`);
    }
  };
  return {
    write: (text) => guarded(() => parser.write(text)),
    done: () => {
      guarded(() => parser.close());
      if (!root) throw new XmlError('invalid XML: no root element');
      return root;
    },
  };
}

/** Parse a whole document into a tree, or throw an XmlError that says what is wrong and where. */
export function parseXml(text: string, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlElement {
  const builder = treeBuilder(limits);
  builder.write(text);
  return builder.done();
}

/** The first child element of that name. */
export function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((c) => c.name === name);
}
