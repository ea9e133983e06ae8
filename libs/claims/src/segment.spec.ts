import { fold, splitClauses, splitSentences } from './segment';

describe('splitSentences', () => {
  it('splits on sentence ends and line breaks, keeping greetings and signatures apart', () => {
    expect(splitSentences('Hi Anna,\n\nWe reset your cache. Your dashboard works again!\n\nBest regards,\nSupport')).toEqual([
      'Hi Anna,', 'We reset your cache.', 'Your dashboard works again!', 'Best regards,', 'Support',
    ]);
  });

  it('does not split amounts, invoice numbers or versions', () => {
    expect(splitSentences('We refunded $40.00 on GX-1001. Cache version 1.2.3 is live.')).toEqual(['We refunded $40.00 on GX-1001.', 'Cache version 1.2.3 is live.']);
  });

  it('keeps a list marker with its step and an abbreviation with its sentence', () => {
    expect(splitSentences('Steps:\n1. Open Settings.\n2. Click Invite.')).toEqual(['Steps:', '1. Open Settings.', '2. Click Invite.']);
    expect(splitSentences('Some tools, e.g. the export, need admin rights.')).toEqual(['Some tools, e.g. the export, need admin rights.']);
  });

  it('joins a soft-wrapped line and keeps a capitalised or listed line apart', () => {
    expect(splitSentences('A full refund of\na duplicate needs approval.\nThanks,\nSupport')).toEqual(['A full refund of a duplicate needs approval.', 'Thanks,', 'Support']);
  });

  it('drops bullets and segments without words', () => {
    expect(splitSentences('- We unlocked your account.\n\n---\n')).toEqual(['We unlocked your account.']);
    expect(splitSentences('   ')).toEqual([]);
  });
});

describe('fold', () => {
  it('folds accents, case, typographic quotes and spaces', () => {
    expect(fold('C’est  RÉGLÉ, Straße')).toBe("c'est regle, strasse");
  });
});

describe('splitClauses', () => {
  it('splits where a new subject starts, not inside one action', () => {
    expect(splitClauses('we reset your cache and your invoices were not affected')).toEqual(['we reset your cache', 'your invoices were not affected']);
    expect(splitClauses('we refunded $40 and waived the fee')).toEqual(['we refunded $40 and waived the fee']);
    expect(splitClauses('done — your account is active again; you can log in')).toEqual(['done', 'your account is active again', 'you can log in']);
  });
});
