export * from './bus.config';
export * from './bus.types';
export { BUS_HEADERS, decodeHeaders } from './bus.headers';
export { backoffMs, decideFailure, outageDelayMs, type FailureDecision, type OutagePolicy, type RetryPolicy } from './retry-policy';
export { decodeMessage, formatIssues, MESSAGE_MAX_DEPTH, messageSchema, stableMessageId, topicBinding, unstorableProblem, uuidFromName, wrapTicket, type DecodeFailure, type DecodeResult } from './message-decoder';
export { buildDeadLetter } from './dead-letter';
export { kafkaLogCreator } from './kafka-logger';
export { KafkaBus, PublishInvalidError, type EnvelopeMeta, type TopicSpec } from './kafka-bus';
export { BusModule, BUS_CONFIG } from './bus.module';
