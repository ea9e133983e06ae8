/** A line's words, lower-cased, one space apart and padded with one: containment of padded lines is containment of whole words. */
function words(line: string): string {
  const found = line.toLowerCase().match(/[\p{L}\p{N}]+/gu);
  return found ? ` ${found.join(' ')} ` : '';
}

/**
 * The text retrieval searches with: the triage intent, the triage summary and the task's query, each line once. A
 * line whose words already stand, in order, in a line kept before it is left out. The supervisor's query is the
 * ticket's subject and the triage summary, and a summary taken from the ticket starts with its subject (triage
 * `groundSummary`), so the three joined as they came held the subject three times and the summary twice. That doubled
 * the tokens the query's embedding runs over (MiniLM's CPU grows with them: 13.0 against 6.7 ms per query,
 * `npm run bench:embeddings`) and counted the repeated words again in the keyword rank, without saying anything new.
 *
 * @example
 * searchText('dashboard_broken', 'Dashboard blank: the grid is empty.', 'Dashboard blank\n\nDashboard blank: the grid is empty.');
 * // 'dashboard broken\nDashboard blank: the grid is empty.'
 */
export function searchText(intent: string, summary: string, query: string): string {
  const kept: string[] = [];
  const seen: string[] = [];
  for (const line of [intent.replace(/_/g, ' '), ...summary.split('\n'), ...query.split('\n')]) {
    const w = words(line);
    if (!w || seen.some((s) => s.includes(w))) continue;
    kept.push(line.trim());
    seen.push(w);
  }
  return kept.join('\n');
}
