import { searchText } from './search-text';

describe('searchText', () => {
  it('keeps the summary once and drops a subject it already starts with', () => {
    const summary = 'Dashboard blank since this morning: the home dashboard shows an empty grid.';
    const text = searchText('dashboard_broken', summary, `Dashboard blank since this morning\n\n${summary}`);
    expect(text).toBe(`dashboard broken\n${summary}`);
  });

  it('keeps a subject that a model-written summary does not contain', () => {
    const text = searchText('billing_refund', 'Customer asks for a refund of a double charge.', 'Charged twice in March\n\nCustomer asks for a refund of a double charge.');
    expect(text).toBe('billing refund\nCustomer asks for a refund of a double charge.\nCharged twice in March');
  });

  it('compares whole words, not characters inside words', () => {
    // "art" is inside "Restart" but is not one of its words.
    expect(searchText('how_to', 'Restart the export', 'art\nRestart the EXPORT!')).toBe('how to\nRestart the export\nart');
  });

  it('leaves out empty lines and lines of punctuation only', () => {
    expect(searchText('other', '', '\n  \n--\nWhere is my invoice?')).toBe('other\nWhere is my invoice?');
  });
});
