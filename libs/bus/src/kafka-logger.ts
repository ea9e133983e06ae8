import { logLevel, type logCreator } from 'kafkajs';
import { JsonLogger } from '@switchboard/observability';

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
    // kafkajs logs every rebalance response as an error; a rebalance is routine, so it is a warning here.
    const routine = /rebalanc/i.test(String((fields as { error?: unknown }).error ?? ''));
    if (level === logLevel.ERROR && !routine) logger.error(message, { namespace, ...fields });
    else logger.warn(message, { namespace, ...fields });
  };
};
