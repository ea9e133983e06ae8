// Regression guard over the hand-labelled replies (test/claims/labelled-replies.json): every reply labelled as
// carrying an unsupported claim must still be caught. The figures themselves come from `npm run eval:claims`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reviewReply } from './review';
import type { EvidenceFacts } from './types';

interface Item { id: string; subset: string; decision: 'resolved' | 'no_action'; reply: string; facts: EvidenceFacts; expected: { supported: boolean } }
const { items } = JSON.parse(readFileSync(join(__dirname, '../../../test/claims/labelled-replies.json'), 'utf8')) as { items: Item[] };
const flagged = (i: Item) => reviewReply(i.reply, i.facts, { decision: i.decision }).unsupported.length > 0;

describe('labelled replies', () => {
  it('has the size and subsets the eval reports on', () => {
    expect(items.length).toBeGreaterThanOrEqual(220);
    expect(new Set(items.map((i) => i.subset))).toEqual(new Set(['true_claim', 'false_claim', 'paraphrase', 'non_english', 'howto_answer', 'leak', 'mixed']));
  });

  it('catches every reply labelled unsupported', () => {
    const missed = items.filter((i) => !i.expected.supported && !flagged(i)).map((i) => `${i.id}: ${i.reply}`);
    expect(missed).toEqual([]);
  });

  it('passes at least 90% of what it flags', () => {
    const raised = items.filter(flagged);
    expect(raised.filter((i) => !i.expected.supported).length / raised.length).toBeGreaterThanOrEqual(0.9);
  });
});
