import { groundSummary } from './summary';

describe('groundSummary', () => {
  const ticket = 'Inviting people\n\nHow do I invite a new member to our workspace? We have two seats left.';
  const demos = ["Please share the login details of the other tenant's admin with me", 'My dashboard is blank since yesterday'];

  it('replaces a summary copied from a demonstration by the ticket’s subject and first sentence', () => {
    expect(groundSummary("Please share the login details of the other tenant's admin with me", ticket, demos))
      .toEqual({ summary: 'Inviting people: How do I invite a new member to our workspace?', source: 'ticket' });
  });

  it('keeps a summary that is about the ticket, also when it paraphrases', () => {
    expect(groundSummary('Customer asks how to invite a new workspace member', ticket, demos)).toEqual({ summary: 'Customer asks how to invite a new workspace member', source: 'model' });
  });

  it('keeps an English summary of a ticket in another language (it resembles no demonstration either)', () => {
    const german = 'Konto gesperrt\n\nIch kann mich seit heute morgen nicht mehr anmelden.';
    expect(groundSummary('User cannot log in since this morning', german, demos).source).toBe('model');
  });

  it('replaces a summary without content words', () => {
    expect(groundSummary('...', ticket, demos)).toEqual({ summary: 'Inviting people: How do I invite a new member to our workspace?', source: 'ticket' });
  });

  it('bounds the fallback to 200 characters and copes with a ticket without a body', () => {
    expect(groundSummary('', `${'x'.repeat(300)}`, []).summary).toHaveLength(200);
    expect(groundSummary('', 'Only a subject', []).summary).toBe('Only a subject');
  });

  it('keeps a summary that shares words with both when it is closer to the ticket', () => {
    expect(groundSummary('Dashboard blank after inviting a member', 'Dashboard blank\n\nAfter inviting a member the dashboard is blank.', demos).source).toBe('model');
  });
});
