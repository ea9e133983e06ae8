import { z } from 'zod';
import { toGbnfSchema } from './llama-cpp.adapter';

describe('toGbnfSchema', () => {
  it('keeps what the grammar can enforce and drops what only zod checks', () => {
    const schema = z.toJSONSchema(z.object({ email: z.string().email().max(60), n: z.number().min(1), tag: z.enum(['a', 'b']).nullable(), when: z.iso.datetime() }));

    expect(toGbnfSchema(schema)).toEqual({
      type: 'object',
      properties: {
        email: { type: 'string', maxLength: 60 },
        n: { type: 'number' },
        tag: { oneOf: [{ type: 'string', enum: ['a', 'b'] }, { type: 'null' }] },
        when: { type: 'string', format: 'date-time' },
      },
      required: ['email', 'n', 'tag', 'when'],
      additionalProperties: false,
    });
  });
});
