import { GLOBAL_TENANT } from '../store/vector-store.port';
import { chunkDocument, chunkId, parseDocument } from './markdown-chunker';

const RUNBOOK = `---
product: acme-admin
docType: runbook
---
# Reset a tenant cache

Intro text.

## Symptoms

Dashboard is blank.

## Fix

### Steps

Call the reset endpoint.

\`\`\`bash
# not a heading
curl -X POST /admin/tenants/t-1/cache/reset
\`\`\`

### Verify

Reload the dashboard.
`;

describe('parseDocument', () => {
  it('reads front matter, takes the H1 as title and defaults to a global runbook', () => {
    const sut = parseDocument('runbooks/cache.md', RUNBOOK);
    expect(sut).toMatchObject({ documentId: 'runbooks/cache.md', title: 'Reset a tenant cache', tenantId: GLOBAL_TENANT, source: 'runbook', docType: 'runbook', product: 'acme-admin', language: 'en', format: 'markdown' });
    expect(sut.body.startsWith('# Reset')).toBe(true);
  });

  it('derives source and title from the path when there is no front matter', () => {
    expect(parseDocument('resolutions/case-12_refund.txt', 'Refunded.')).toMatchObject({ source: 'resolution', docType: 'resolution', title: 'case 12 refund', format: 'text' });
    expect(parseDocument('x.md', '---\ntenant: t-9\nsource: resolution\n---\nbody')).toMatchObject({ tenantId: 't-9', source: 'resolution' });
  });

  it('rejects broken front matter with the file named', () => {
    expect(() => parseDocument('bad.md', '---\n: : [\n---\nbody')).toThrow(/bad\.md: front matter/);
  });
});

describe('chunkDocument', () => {
  it('chunks by heading path, ignoring # inside code fences and heading-only sections', () => {
    const sut = chunkDocument(parseDocument('runbooks/cache.md', RUNBOOK));
    expect(sut.map((c) => c.sectionPath)).toEqual([[], ['Symptoms'], ['Fix', 'Steps'], ['Fix', 'Verify']]);
    expect(sut[2]!.text).toContain('# not a heading');
    expect(sut[2]!.text.startsWith('Reset a tenant cache › Fix › Steps\n\nCall the reset endpoint.')).toBe(true);
    expect(sut.map((c) => c.index)).toEqual([0, 1, 2, 3]);
  });

  it('splits long sections into windows that overlap', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraph ${i} ${'word '.repeat(20).trim()}.`);
    const doc = parseDocument('runbooks/long.md', `# Long\n\n## Body\n\n${paragraphs.join('\n\n')}`);
    const sut = chunkDocument(doc, { maxChars: 400, overlapChars: 120 });
    expect(sut.length).toBeGreaterThan(2);
    for (const c of sut) expect(c.text.length).toBeLessThanOrEqual('Long › Body\n\n'.length + 400);
    for (let i = 1; i < sut.length; i++) {
      const previousTail = sut[i - 1]!.text.slice(-60);
      expect(sut[i]!.text).toContain(previousTail.slice(previousTail.indexOf(' ') + 1));
    }
    const all = sut.map((c) => c.text).join('\n');
    for (let i = 0; i < 12; i++) expect(all).toContain(`Paragraph ${i} `);
  });

  it('gives stable ids that change only for edited chunks and their successors', () => {
    const before = chunkDocument(parseDocument('runbooks/cache.md', RUNBOOK));
    const again = chunkDocument(parseDocument('runbooks/cache.md', RUNBOOK));
    const edited = chunkDocument(parseDocument('runbooks/cache.md', RUNBOOK.replace('Reload the dashboard.', 'Reload the dashboard twice.')));
    expect(again.map((c) => c.id)).toEqual(before.map((c) => c.id));
    expect(edited.slice(0, 3).map((c) => c.id)).toEqual(before.slice(0, 3).map((c) => c.id));
    expect(edited[3]!.id).not.toBe(before[3]!.id);
    expect(before[0]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(chunkId('t-1', 'a', [], 0, 'x')).not.toBe(chunkId('t-2', 'a', [], 0, 'x'));
  });

  it('reads the audience: internal by default, customer when the front matter says so, anything else refused', () => {
    expect(parseDocument('runbooks/cache.md', RUNBOOK).audience).toBe('internal');
    const article = RUNBOOK.replace('docType: runbook', 'docType: help-article\naudience: customer');
    expect(parseDocument('help/cache.md', article)).toMatchObject({ audience: 'customer', docType: 'help-article' });
    expect(() => parseDocument('help/cache.md', RUNBOOK.replace('docType: runbook', 'audience: public'))).toThrow('help/cache.md: front matter audience must be customer or internal, not "public"');
  });

  it('changes every chunk id when only the front matter changes, so a re-ingest stores the new metadata', () => {
    const internal = chunkDocument(parseDocument('runbooks/cache.md', RUNBOOK));
    const customer = chunkDocument(parseDocument('runbooks/cache.md', RUNBOOK.replace('docType: runbook', 'docType: runbook\naudience: customer')));
    expect(customer.map((c) => c.text)).toEqual(internal.map((c) => c.text));
    for (const [i, c] of customer.entries()) expect(c.id).not.toBe(internal[i]!.id);
  });

  it('chunks plain text as one section', () => {
    const sut = chunkDocument(parseDocument('notes/plain.txt', 'Just text.\n# not a heading in txt'));
    expect(sut).toHaveLength(1);
    expect(sut[0]!.text).toBe('plain\n\nJust text.\n# not a heading in txt');
  });
});
