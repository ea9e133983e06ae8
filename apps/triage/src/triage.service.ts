import { Inject, Injectable, Optional } from '@nestjs/common';
import { AgentHandler, type AgentStepResult, type AgentTaskContext, type TaskOf } from '@switchboard/agent-kit';
import type { TriageOutput } from '@switchboard/contracts';
import { generateObject, LlmPort } from '@switchboard/llm';
import { JsonLogger } from '@switchboard/observability';
import { extractEntities } from './classification/entities';
import { ExampleIndex } from './classification/example-index';
import { capForInjection, combineIntentSignals, oneHot } from './classification/intent-ensemble';
import { triageModelSchema, triagePrompt } from './classification/model-prompt';
import { groundSummary } from './classification/summary';
import { assessInjection } from './screening/injection';
import { screenText, withoutRedactionMarkers } from './screening/redaction';
import { modelReliabilityFor, TRIAGE_CONFIG, type TriageConfig } from './triage.config';

/** DI token: provider name → kind (`llama-cpp`, `ollama`, `bedrock`) of the LLM policy, for `TRIAGE_MODEL_RELIABILITY`. */
export const LLM_PROVIDER_KINDS = 'LLM_PROVIDER_KINDS';

/** Demonstrations shown to the model: the closest example of each of the leading candidate intents. */
const DEMONSTRATIONS = 3;

/**
 * Classifies a ticket: intent, priority, entities, a confidence, PII found, prompt-injection risk, and a redacted body
 * that is the only ticket text later agents see. Screening is deterministic and runs before the model, so secrets
 * never reach an LLM. The intent comes from independent signals — the nearest labelled examples (by the sentence
 * embedding model and by character n-grams, trusted as far as such a vote was right on held-out examples), the
 * model's answer (trusted per provider, `TRIAGE_MODEL_RELIABILITY`), and the extracted entities — and the confidence
 * is the posterior of their agreement, so it means the same in every language.
 */
@Injectable()
export class TriageService extends AgentHandler<'triage'> {
  readonly agent = 'triage' as const;
  private readonly logger = new JsonLogger(TriageService.name);

  constructor(
    private readonly llm: LlmPort,
    @Inject(TRIAGE_CONFIG) private readonly config: TriageConfig,
    private readonly examples: ExampleIndex,
    @Optional() @Inject(LLM_PROVIDER_KINDS) private readonly providerKinds: Record<string, string> = {},
  ) {
    super();
  }

  async handle(task: TaskOf<'triage'>, ctx: AgentTaskContext): Promise<AgentStepResult<'triage'>> {
    const { ticket } = task;
    const intents = [...new Set([...task.intents, 'other'])];
    const raw = `${ticket.subject}\n\n${ticket.body}`;
    const screening = screenText(raw, [ticket.requester.email]);
    const injection = assessInjection(raw);
    const entities = extractEntities(raw, screening.redacted);
    const votes = await this.examples.vote(withoutRedactionMarkers(screening.redacted), intents);
    const demonstrations = votes.nearest.slice(0, DEMONSTRATIONS);

    const { value, usage, attempts, provider, model } = await generateObject(
      this.llm,
      { ...triagePrompt(screening.redacted, intents, this.examples.descriptions, demonstrations), maxTokens: 200, temperature: 0 },
      triageModelSchema(intents),
      { caseId: ctx.caseId, region: ctx.region, agent: 'triage', tenantId: ctx.tenantId },
      { maxRepairs: this.config.TRIAGE_MAX_REPAIRS },
    );

    const ensemble = combineIntentSignals(intents, [
      { source: 'examples', reliability: votes.reliability, scores: votes.examples, leaderOnly: true },
      { source: `model:${provider}`, reliability: modelReliabilityFor(this.config.TRIAGE_MODEL_RELIABILITY, provider, this.providerKinds), scores: oneHot(value.intent) },
    ], entities);
    // The two views behind the examples vote, for the trace only: they share their evidence, so only their average votes.
    const views = [summarise('examples:embedding', votes.embedding), summarise('examples:ngram', votes.ngram)].filter((v) => v !== undefined);
    const risk = value.injectionSuspected && injection.risk === 'none' ? 'suspected' : injection.risk;
    // The model only sees redacted text, so an address it names must also be in the ticket to be believed.
    const summary = groundSummary(screenText(value.summary, [ticket.requester.email]).redacted, screening.redacted, demonstrations.map((d) => d.text));
    const userEmail = value.userEmail && entities.emails.includes(value.userEmail.toLowerCase()) ? value.userEmail.toLowerCase() : entities.emails[0];
    const output: TriageOutput = {
      intent: ensemble.intent,
      priority: value.priority,
      confidence: capForInjection(ensemble.confidence, risk),
      entities: {
        tenantId: ticket.tenantId,
        requesterEmail: ticket.requester.email,
        ...(userEmail ? { userEmail } : {}),
        ...entities,
      },
      pii: { found: screening.found.length > 0, kinds: screening.found },
      injectionRisk: risk,
      summary: summary.summary,
      summarySource: summary.source,
      redactedBody: screenText(ticket.body, [ticket.requester.email]).redacted,
      signals: [...views, ...ensemble.signals],
    };
    this.logger.info('triaged', { intent: output.intent, confidence: output.confidence, summarySource: summary.source, margin: ensemble.margin, signals: ensemble.signals, injectionRisk: risk, injectionSignals: injection.signals, attempts });
    return {
      output,
      usage: { llmCalls: attempts, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, costUsd: usage.costUsd, models: [model] },
    };
  }
}

function summarise(source: string, scores: Record<string, number>): { source: string; intent: string; score: number } | undefined {
  const entries = Object.entries(scores);
  if (entries.length === 0) return undefined;
  const [intent, score] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { source, intent, score: Math.round(score * 1000) / 1000 };
}
