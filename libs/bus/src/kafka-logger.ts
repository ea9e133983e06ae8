import { logLevel, type logCreator } from 'kafkajs';
import { JsonLogger } from '@switchboard/observability';

const ROUTINE = /rebalanc|not the leader for|does not host this topic-partition|There is no leader for this topic-partition|coordinator is not available|coordinator is loading/i;

/**
 * Routes kafkajs' own logging into {@link JsonLogger} (context `kafkajs`); kafkajs is created at WARN, so only
 * warnings and errors arrive here.
 *
 * @example
 * new Kafka({ clientId, brokers, logLevel: logLevel.WARN, logCreator: kafkaLogCreator });
 */
export const kafkaLogCreator: logCreator = () => {
  const logger = new JsonLogger('kafkajs');
  return ({ namespace, level, log }) => {
    const { message, timestamp: _timestamp, logger: _logger, ...fields } = log as { message: string; timestamp?: string; logger?: string };
    // kafkajs logs every rebalance response, and every answer of a broker still electing leaders or learning of new
    // topics (which kafkajs retries), as an error; both are routine (a rebalance, a first start), so warnings here.
    const routine = ROUTINE.test(String((fields as { error?: unknown }).error ?? '')) || ROUTINE.test(message);
    if (level === logLevel.ERROR && !routine) logger.error(message, { namespace, ...fields });
    else logger.warn(message, { namespace, ...fields });
  };
};
