import { Test } from '@nestjs/testing';
import { BUS_CONFIG, BusConfigSchema, BusModule, KafkaBus } from '@switchboard/bus';

describe('BusModule', () => {
  it('provides one KafkaBus and the config without connecting at compile time', async () => {
    const config = BusConfigSchema.parse({ KAFKA_BROKERS: '127.0.0.1:1' });
    const moduleRef = await Test.createTestingModule({ imports: [BusModule.forRoot(config, 'spec')] }).compile();
    expect(moduleRef.get(KafkaBus)).toBeInstanceOf(KafkaBus);
    expect(moduleRef.get(BUS_CONFIG)).toBe(config);
    await moduleRef.close();
  });
});

describe('BusConfigSchema', () => {
  it('has the documented defaults and lists every bad key', () => {
    expect(BusConfigSchema.parse({})).toMatchObject({
      KAFKA_BROKERS: ['127.0.0.1:9092'], BUS_MAX_ATTEMPTS: 5, BUS_RETRY_BASE_MS: 500, BUS_RETRY_FACTOR: 2, BUS_MAX_MESSAGE_BYTES: 1_000_000,
    });
    const result = BusConfigSchema.safeParse({ KAFKA_BROKERS: 'nohost', BUS_MAX_ATTEMPTS: '0' });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path[0]).sort()).toEqual(['BUS_MAX_ATTEMPTS', 'KAFKA_BROKERS']);
  });
});
