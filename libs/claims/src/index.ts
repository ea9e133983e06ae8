export { analyseSentence, topicsOf, type ClauseAnalysis, type SentenceAnalysis, type SubjectMention } from './analyse';
export { DEFAULT_RULES } from './default-rules';
export { DEFAULT_CLAIM_RULES, unsupportedClaims } from './legacy';
export { knownTopics, MAX_REPLY_CHARS, MAX_SENTENCE_CHARS, reviewReply } from './review';
export { fold, splitClauses, splitSentences } from './segment';
export type { ClaimRules, ClaimVerdict, EvidenceFacts, ReplyReview, ReviewOptions, SubjectRule, TopicRule } from './types';
