import { createHash } from 'node:crypto';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MemoryInputError } from '../memory.errors';
import { GLOBAL_TENANT } from '../store/vector-store.port';

/** Where a passage comes from: curated runbooks/KB pages, or past resolved tickets. */
export type KnowledgeSource = 'runbook' | 'resolution';

/**
 * Who may read a document: `customer` (help-centre articles a reply may quote) or `internal` (runbooks with tool names,
 * thresholds and security checks; the default). Only `customer` passages may be sent to a customer.
 */
export type KnowledgeAudience = 'customer' | 'internal';

/** A knowledge-base file after front matter is read. */
export interface SourceDocument {
  /** Relative path with `/` separators, e.g. `runbooks/tenant-cache-reset.md`. */
  documentId: string;
  title: string;
  tenantId: string;
  source: KnowledgeSource;
  docType: string;
  product?: string;
  language?: string;
  audience: KnowledgeAudience;
  format: 'markdown' | 'text';
  body: string;
}

/** One retrievable piece of a document. */
export interface Chunk {
  id: string;
  documentId: string;
  title: string;
  /** Heading path below the title, e.g. `['Fix', 'Verify']`; empty for the text before the first heading. */
  sectionPath: string[];
  index: number;
  /** What is embedded, keyword-indexed and returned: a `Title › Section` line, a blank line, then the body. */
  text: string;
}

export interface ChunkingOptions {
  /** Longest chunk body in characters before a section is split (≈ 250 tokens for MiniLM's 256 limit). */
  maxChars?: number;
  /** Characters of the previous window repeated at the start of the next one when a section is split. */
  overlapChars?: number;
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;

/**
 * Reads a Markdown or text file of the knowledge base. Optional YAML front matter sets `title`, `tenant`,
 * `docType`, `product`, `language`, `audience` (`customer` or `internal`, the default); otherwise the first `# H1` is the title and the top folder decides the source
 * (`resolutions/…` → resolution, anything else → runbook). Documents are global unless `tenant:` says otherwise.
 *
 * @example
 * const doc = parseDocument('runbooks/tenant-cache-reset.md', readFileSync(path, 'utf8'));
 */
export function parseDocument(documentId: string, content: string): SourceDocument {
  const match = FRONT_MATTER.exec(content);
  let meta: Record<string, unknown> = {};
  if (match) {
    try {
      meta = (parseYaml(match[1]!) as Record<string, unknown>) ?? {};
    } catch (error) {
      throw new MemoryInputError(`${documentId}: front matter is not valid YAML: ${(error as Error).message}`);
    }
  }
  const body = match ? content.slice(match[0].length) : content;
  const format = ['.md', '.markdown'].includes(extname(documentId).toLowerCase()) ? 'markdown' : 'text';
  const h1 = format === 'markdown' ? /^#\s+(.+?)\s*#*\s*$/m.exec(body)?.[1] : undefined;
  const source: KnowledgeSource = meta.source === 'resolution' || (meta.source === undefined && documentId.split('/')[0] === 'resolutions') ? 'resolution' : 'runbook';
  const str = (key: string) => (typeof meta[key] === 'string' && (meta[key] as string).trim() ? (meta[key] as string).trim() : undefined);
  const audience = meta.audience ?? 'internal';
  if (audience !== 'customer' && audience !== 'internal') {
    throw new MemoryInputError(`${documentId}: front matter audience must be customer or internal, not ${JSON.stringify(audience)}`);
  }
  return {
    documentId,
    title: str('title') ?? h1 ?? basename(documentId, extname(documentId)).replace(/[-_]+/g, ' '),
    tenantId: str('tenant') ?? GLOBAL_TENANT,
    source,
    docType: str('docType') ?? source,
    product: str('product'),
    language: str('language') ?? 'en',
    audience,
    format,
    body,
  };
}

/**
 * Splits a document by Markdown headings (ignoring `#` inside code fences); sections longer than `maxChars` are cut
 * on paragraph, then sentence, boundaries into windows that repeat the previous window's last `overlapChars`.
 * Chunk ids are stable: a UUID from sha256(tenant, documentId, section path, chunk index, text, and the front matter
 * stored with each chunk), so an unchanged file yields the same ids and any edit changes the ids of exactly the chunks
 * it touches (and later indexes); a front-matter edit (say, `audience`) changes them all, so re-ingesting re-stores them.
 *
 * @example
 * const chunks = chunkDocument(parseDocument('runbooks/unlock-account.md', content), { maxChars: 1200, overlapChars: 200 });
 */
export function chunkDocument(doc: SourceDocument, options: ChunkingOptions = {}): Chunk[] {
  const maxChars = options.maxChars ?? 1200;
  const overlapChars = Math.min(options.overlapChars ?? 200, Math.floor(maxChars / 2));
  const sections = doc.format === 'markdown' ? splitSections(doc.body, doc.title) : [{ path: [], body: doc.body.trim() }];
  const chunks: Chunk[] = [];
  const meta = JSON.stringify([doc.source, doc.docType, doc.product ?? null, doc.language ?? null, doc.audience]);
  for (const section of sections) {
    if (!section.body) continue;
    for (const body of windows(section.body, maxChars, overlapChars)) {
      const heading = [doc.title, ...section.path].join(' › ');
      const text = `${heading}\n\n${body}`;
      const index = chunks.length;
      chunks.push({ id: chunkId(doc.tenantId, doc.documentId, section.path, index, text, meta), documentId: doc.documentId, title: doc.title, sectionPath: section.path, index, text });
    }
  }
  return chunks;
}

/**
 * UUID-shaped sha256 of the parts (Qdrant point ids must be UUIDs or integers).
 *
 * @example
 * chunkId(GLOBAL_TENANT, 'runbooks/a.md', ['Fix'], 0, 'text'); // 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx'
 */
export function chunkId(tenantId: string, documentId: string, sectionPath: string[], index: number, text: string, meta?: string): string {
  const hex = createHash('sha256').update(JSON.stringify(meta === undefined ? [tenantId, documentId, sectionPath, index, text] : [tenantId, documentId, sectionPath, index, text, meta])).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

function splitSections(body: string, title: string): Array<{ path: string[]; body: string }> {
  const sections: Array<{ path: string[]; lines: string[] }> = [{ path: [], lines: [] }];
  const stack: Array<{ level: number; text: string }> = [];
  let fence: string | undefined;
  for (const line of body.split(/\r?\n/)) {
    const fenceMatch = /^\s*(```|~~~)/.exec(line);
    if (fenceMatch) fence = fence === undefined ? fenceMatch[1] : fence === fenceMatch[1] ? undefined : fence;
    const heading = fence === undefined && !fenceMatch ? /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line) : null;
    if (!heading) {
      sections[sections.length - 1]!.lines.push(line);
      continue;
    }
    const level = heading[1]!.length;
    const text = heading[2]!;
    // The H1 that is the document title is not a section of its own.
    if (level === 1 && text === title && stack.length === 0) continue;
    while (stack.length && stack[stack.length - 1]!.level >= level) stack.pop();
    stack.push({ level, text });
    sections.push({ path: stack.map((s) => s.text), lines: [] });
  }
  return sections.map((s) => ({ path: s.path, body: s.lines.join('\n').trim().replace(/\n{3,}/g, '\n\n') }));
}

function windows(body: string, maxChars: number, overlapChars: number): string[] {
  if (body.length <= maxChars) return [body];
  const units = body.split(/\n\s*\n/).flatMap((p) => (p.length <= maxChars ? [p] : splitLong(p, maxChars)));
  const out: string[] = [];
  let current: string[] = [];
  let length = 0;
  for (const unit of units) {
    if (current.length && length + unit.length + 2 > maxChars) {
      out.push(current.join('\n\n'));
      const overlap = tail(current.join('\n\n'), overlapChars);
      current = overlap ? [overlap] : [];
      length = overlap.length;
    }
    current.push(unit);
    length += unit.length + 2;
  }
  if (current.length) out.push(current.join('\n\n'));
  return out;
}

function splitLong(paragraph: string, maxChars: number): string[] {
  const sentences = paragraph.match(/[^.!?\n]+(?:[.!?]+|$)\s*/g) ?? [paragraph];
  const out: string[] = [];
  let current = '';
  for (const s of sentences) {
    if (current && current.length + s.length > maxChars) {
      out.push(current.trim());
      current = '';
    }
    // A single sentence longer than a window is cut hard; rare in runbooks (long URLs, pasted logs).
    for (let i = 0; i < s.length; i += maxChars) current += s.slice(i, i + maxChars);
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** The end of `text`, at most `chars` long, starting on a word boundary. */
function tail(text: string, chars: number): string {
  if (chars <= 0) return '';
  if (text.length <= chars) return text;
  const cut = text.slice(text.length - chars);
  const space = cut.search(/\s/);
  return (space >= 0 ? cut.slice(space) : cut).trim();
}
