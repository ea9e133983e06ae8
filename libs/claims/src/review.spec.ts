import { DEFAULT_RULES } from './default-rules';
import { knownTopics, MAX_REPLY_CHARS, MAX_SENTENCE_CHARS, reviewReply } from './review';
import type { EvidenceFacts } from './types';

const none: EvidenceFacts = { verifiedActions: [], passedChecks: [], knownIdentifiers: ['acme-eu', 'anna@acme-eu.example'] };
const cacheReset: EvidenceFacts = { ...none, verifiedActions: [{ tool: 'reset_tenant_cache', arguments: { tenantId: 'acme-eu' } }] };
const cacheCheckOnly: EvidenceFacts = {
  ...none,
  passedChecks: [
    { id: 'cache_fresh', tool: 'get_cache_status', topics: ['cache'], observed: { status: 'fresh', version: 42 } },
    { id: 'dashboard_renders', tool: 'get_tenant', topics: ['dashboard', 'fixed'], observed: { dashboard: 'ok' } },
  ],
};
const refund40: EvidenceFacts = {
  verifiedActions: [{ tool: 'issue_refund', arguments: { tenantId: 'globex', invoiceId: 'inv_globex_1001', amount: 40, reason: 'duplicate' } }],
  passedChecks: [{ id: 'refund_on_invoice', tool: 'get_invoice', topics: ['refund'], observed: { refundedTotal: 40, remaining: 210 } }],
  knownIdentifiers: ['globex', 'billing@globex.example', 'inv_globex_1001', 'GX-1001'],
};
const trial14: EvidenceFacts = {
  verifiedActions: [{ tool: 'extend_trial', arguments: { tenantId: 'initech', days: 14 } }],
  passedChecks: [{ id: 'trial_active', tool: 'get_trial', topics: ['trial'], observed: { status: 'active', endsOn: '2026-12-09' } }],
  knownIdentifiers: ['initech'],
};
const ssoOn: EvidenceFacts = { verifiedActions: [{ tool: 'set_feature_flag', arguments: { tenantId: 'globex', flag: 'sso', enabled: true } }], passedChecks: [], knownIdentifiers: ['globex'] };
const unlockHank: EvidenceFacts = {
  verifiedActions: [{ tool: 'unlock_account', arguments: { tenantId: 'globex', email: 'hank@globex.example' } }],
  passedChecks: [],
  knownIdentifiers: ['globex', 'hank@globex.example', 'bob@globex.example'],
};

const flagged = (reply: string, facts: EvidenceFacts, decision?: 'resolved' | 'no_action') => reviewReply(reply, facts, decision ? { decision } : {}).unsupported;

describe('reviewReply', () => {
  it('issue 22: the backend failed every call and the reply says everything is fixed → unsupported', () => {
    const review = reviewReply('Good news! We found the problem and fixed it. Everything has been restored and your dashboard is working again.', none);
    expect(review.unsupported.length).toBeGreaterThanOrEqual(2);
    expect(review.verdicts.map((v) => v.supported)).toEqual([true, false, false]);
    expect(review.verdicts[1]).toMatchObject({ kind: 'change', topics: ['fixed'] });
  });

  it('accepts the same claims once a verified write proves them, with greetings and closings around them', () => {
    const reply = 'Hi Anna,\n\nWe found the stale cache and reset it; everything has been restored and your dashboard is working again.\n\nBest regards,\nSupport';
    expect(flagged(reply, cacheReset)).toEqual([]);
  });

  it('catches "fixed" in any language when nothing backs it', () => {
    for (const reply of ["C'est réglé, tout fonctionne à nouveau.", 'Das Problem ist behoben.', 'Todo está solucionado.', 'Sorted!', 'Consider it done.']) {
      expect(flagged(reply, none)).toHaveLength(1);
    }
  });

  it('needs a verified write for a change; a passed check backs only a state', () => {
    expect(flagged('Your cache is fresh and your dashboard is displaying correctly now.', cacheCheckOnly)).toEqual([]);
    expect(flagged('We reset your cache.', cacheCheckOnly)[0]).toContain('no verified action did that');
    expect(flagged('We reset your cache.', cacheReset)).toEqual([]);
  });

  it('lets a passed check prove the result of a verified change', () => {
    const flagOff: EvidenceFacts = {
      verifiedActions: [{ tool: 'set_feature_flag', arguments: { tenantId: 'acme-eu', flag: 'new-dashboard', enabled: false } }],
      passedChecks: [{ id: 'dashboard_renders', tool: 'get_tenant', topics: ['dashboard', 'fixed'], observed: { dashboard: 'ok' } }],
      knownIdentifiers: ['acme-eu'],
    };
    expect(flagged('We switched off the new dashboard, so your dashboard displays again.', flagOff)).toEqual([]);
    expect(flagged('We switched off the new dashboard, so your dashboard displays again.', { ...flagOff, passedChecks: [] })[0]).toContain('dashboard');
  });

  it('rejects a claim about another action than the verified one', () => {
    expect(flagged('We unlocked your account.', cacheReset)[0]).toContain('account_unlock');
    expect(flagged('We reset your cache and refunded $75 on your last invoice.', cacheReset)[0]).toContain('refund');
  });

  it('checks the flag and direction a flag claim states', () => {
    expect(flagged('We enabled SSO for your workspace.', ssoOn)).toEqual([]);
    expect(flagged('We enabled the new dashboard for you.', ssoOn)[0]).toContain('new-dashboard');
    expect(flagged('We turned SSO off.', ssoOn)[0]).toContain('sso off');
  });

  it('checks stated amounts, days and dates against the evidence', () => {
    expect(flagged('We refunded $40.00 on invoice inv_globex_1001.', refund40)).toEqual([]);
    expect(flagged('We refunded $400 on invoice inv_globex_1001.', refund40)[0]).toContain('400');
    expect(flagged('Your invoice now shows $210 remaining.', refund40)).toEqual([]);
    expect(flagged('We extended your trial by 14 days. It now ends on 2026-12-09.', trial14)).toEqual([]);
    expect(flagged('We extended your trial by 30 days.', trial14)[0]).toContain('30');
    expect(flagged('Your trial has been extended by two weeks.', { ...trial14, verifiedActions: [{ tool: 'extend_trial', arguments: { tenantId: 'initech', days: 7 } }] })).toHaveLength(1);
    expect(flagged('Your trial now ends on 2027-01-15.', trial14)[0]).toContain('2027-01-15');
  });

  it('accepts a number quoted from a read before the write only when the caller passes that read', () => {
    const reply = 'We unlocked the account hank@globex.example after 5 failed sign-in attempts; you can sign in again now.';
    expect(flagged(reply, unlockHank)[0]).toContain('states 5');
    expect(flagged(reply, { ...unlockHank, readValues: { user: { failedAttempts: 5, locked: true } } })).toEqual([]);
  });

  it('reads a pronoun clause as being about the claim before it', () => {
    expect(flagged('We extended your trial by 14 days: it now runs until 2026-12-09.', trial14)).toEqual([]);
    expect(flagged('We extended your trial by 14 days: it now runs until 2027-03-01.', trial14)[0]).toContain('2027-03-01');
  });

  it('ignores numbers in neutral sentences', () => {
    expect(flagged('We refunded $40. It usually takes 5–10 business days to appear on your statement.', refund40)).toEqual([]);
  });

  it('checks that an action claim names the same email or invoice the write acted on', () => {
    expect(flagged('We unlocked hank@globex.example.', unlockHank)).toEqual([]);
    expect(flagged('We unlocked bob@globex.example.', unlockHank)[0]).toContain('names bob@globex.example');
    expect(flagged('We refunded $40 on inv_globex_1003.', { ...refund40, knownIdentifiers: [...refund40.knownIdentifiers, 'inv_globex_1003'] })[0]).toContain('inv_globex_1003');
  });

  describe('no_action answers', () => {
    it('allow instructions', () => {
      expect(flagged('You can enable SSO under Settings → Security → Single sign-on. Let us know if that helps!', none, 'no_action')).toEqual([]);
      expect(flagged('To invite a member:\n1. Open Settings.\n2. Choose Members.\n3. Click Invite.', none, 'no_action')).toEqual([]);
    });

    it('reject any change, even one a write would otherwise back', () => {
      expect(flagged('I have enabled SSO for you.', none, 'no_action')[0]).toContain('answer that made none');
      expect(flagged('I have enabled SSO for you.', ssoOn, 'no_action')[0]).toContain('answer that made none');
      expect(flagged("J'ai activé le SSO pour vous.", none, 'no_action')).toHaveLength(1);
    });

    it('reject a state no check shows', () => {
      expect(flagged('Your workspace already has SSO enabled, so you just need to configure your identity provider.', none, 'no_action')).toHaveLength(1);
    });
  });

  describe('screening for data outside the case', () => {
    it('flags another user or tenant, even in a neutral sentence', () => {
      expect(flagged('Please write to billing@globex.example for invoice questions.', none, 'no_action')[0]).toContain('mentions data not in this case: billing@globex.example');
      expect(flagged('We refunded $40 on GX-1001; your other invoice IN-0001 is still open.', refund40)[0]).toContain('IN-0001');
      expect(flagged('We reset the cache for tenant initech as well.', cacheReset)[0]).toContain('initech');
    });

    it('accepts the case\'s own identifiers and values from the evidence', () => {
      expect(flagged('We reset your cache, Anna (anna@acme-eu.example).', cacheReset)).toEqual([]);
      expect(flagged('We refunded $40 on invoice GX-1001.', refund40)).toEqual([]);
    });
  });

  it('takes its topics and writes from the rules, so another catalogue can bring its own', () => {
    const rules = { ...DEFAULT_RULES, writeTopics: { ...DEFAULT_RULES.writeTopics, reset_password: ['password', 'fixed'] } };
    const facts: EvidenceFacts = { ...none, verifiedActions: [{ tool: 'reset_password', arguments: { tenantId: 'acme-eu' } }] };
    expect(reviewReply('We reset your password.', facts, { rules }).unsupported).toEqual([]);
    expect(reviewReply('We reset your password.', facts).unsupported).toHaveLength(1);
  });

  it('lists the topics a success check may declare', () => {
    expect(knownTopics()).toEqual(expect.arrayContaining(['account_unlock', 'cache', 'dashboard', 'feature_flag', 'fixed', 'refund', 'trial']));
    expect(knownTopics({ ...DEFAULT_RULES, writeTopics: { rotate_key: ['api_key'] } })).toContain('api_key');
  });

  it('does not read oversized input: the reply or the sentence is unsupported with the reason', () => {
    expect(flagged('Thanks! '.repeat(MAX_REPLY_CHARS / 8 + 1), none)[0]).toContain(`over ${MAX_REPLY_CHARS} are not checked`);
    const review = reviewReply(`Thanks! ${'a'.repeat(MAX_SENTENCE_CHARS + 1)}`, none);
    expect(review.verdicts.map((v) => v.supported)).toEqual([true, false]);
    expect(review.unsupported[0]).toContain('is not checked');
  });

  it('has nothing to flag in an empty reply (the verifier rejects empty replies itself)', () => {
    expect(reviewReply('', none)).toEqual({ verdicts: [], unsupported: [] });
  });

  it('reports one line per unsupported sentence with the reason and the sentence', () => {
    const review = reviewReply('Thanks! We refunded $500. We also unlocked your account.', none);
    expect(review.verdicts.map((v) => v.kind)).toEqual(['neutral', 'change', 'change']);
    expect(review.unsupported).toEqual([
      'claims refund but no verified action did that: "We refunded $500."',
      'claims account_unlock but no verified action did that: "We also unlocked your account."',
    ]);
  });
});

describe('reviewReply with the case’s knowledge sources', () => {
  const article = 'Admins invite people from Settings → Users → Invite. Each member uses one seat of your plan: when every seat\nis taken the invite is refused.';
  const runbook = '`unlock_account { userId }` clears `lockedUntil` and resets `failedAttempts` to 0. It is a low-risk write.';
  const facts: EvidenceFacts = { ...none, sources: [{ id: 'help/invite-users.md', audience: 'customer', text: article }, { id: 'runbooks/unlock-account.md', audience: 'internal', text: runbook }] };

  it('takes a verbatim quote of a customer document as documentation, re-wrapped or not', () => {
    const review = reviewReply('Each member uses one seat of your plan: when every seat is taken the invite is refused.', facts, { decision: 'no_action' });
    expect(review.unsupported).toEqual([]);
    expect(review.verdicts[0]).toMatchObject({ kind: 'neutral', supported: true, quotedFrom: 'help/invite-users.md' });
  });

  it('still checks a sentence that only resembles the document, and any sentence next to the quote', () => {
    expect(reviewReply('Each member uses one seat of your plan: we upgraded your plan so the invite is no longer refused.', facts, { decision: 'no_action' }).unsupported).toHaveLength(1);
    const review = reviewReply('Admins invite people from Settings → Users → Invite. We refunded your last invoice.', facts, { decision: 'no_action' });
    expect(review.verdicts.map((v) => v.supported)).toEqual([true, false]);
  });

  it('refuses a verbatim quote of an internal document', () => {
    expect(reviewReply('`unlock_account { userId }` clears `lockedUntil` and resets `failedAttempts` to 0.', facts, { decision: 'no_action' }).unsupported)
      .toEqual([expect.stringContaining('quotes runbooks/unlock-account.md, an internal document not written for customers')]);
  });
});
