/** A relevant chunk: a document, optionally narrowed to a section path prefix (`Fix` matches `Fix › Steps`). */
export interface RelevanceLabel {
  documentId: string;
  section?: string;
}

/** A labelled query. */
export interface LabelledQuery {
  query: string;
  relevant: RelevanceLabel[];
}

/** Retrieved item as the metrics see it. */
export interface RetrievedItem {
  documentId: string;
  section: string;
}

/**
 * Whether a retrieved chunk satisfies a label.
 *
 * @example
 * matchesLabel({ documentId: 'runbooks/a.md', section: 'Fix › Steps' }, { documentId: 'runbooks/a.md', section: 'Fix' }); // true
 */
export function matchesLabel(item: RetrievedItem, label: RelevanceLabel): boolean {
  if (item.documentId !== label.documentId) return false;
  if (label.section === undefined) return true;
  return item.section === label.section || item.section.startsWith(`${label.section} › `);
}

/**
 * Recall@k (share of a query's labels found in its top k, averaged over queries) and MRR (mean of 1 / rank of the
 * first relevant item, 0 when none is retrieved).
 *
 * @example
 * const { recallAtK, mrr } = retrievalMetrics([{ labels, retrieved }], 5);
 */
export function retrievalMetrics(runs: Array<{ labels: RelevanceLabel[]; retrieved: RetrievedItem[] }>, k: number): { recallAtK: number; mrr: number; queries: number } {
  if (runs.length === 0) return { recallAtK: 0, mrr: 0, queries: 0 };
  let recall = 0;
  let reciprocal = 0;
  for (const { labels, retrieved } of runs) {
    const top = retrieved.slice(0, k);
    recall += labels.filter((l) => top.some((item) => matchesLabel(item, l))).length / labels.length;
    const first = retrieved.findIndex((item) => labels.some((l) => matchesLabel(item, l)));
    reciprocal += first === -1 ? 0 : 1 / (first + 1);
  }
  return { recallAtK: recall / runs.length, mrr: reciprocal / runs.length, queries: runs.length };
}
