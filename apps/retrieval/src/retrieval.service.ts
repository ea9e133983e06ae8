import { Injectable } from '@nestjs/common';
import { AgentHandler, type AgentStepResult, type AgentTaskContext, type TaskOf } from '@switchboard/agent-kit';
import type { Passage } from '@switchboard/contracts';
import { MemoryService } from '@switchboard/memory';
import { JsonLogger } from '@switchboard/observability';
import { searchText } from './search-text';

/**
 * Hybrid (dense + keyword) search over runbooks and remembered resolutions for the case's tenant, returning cited
 * passages. The query is the triage intent, the triage summary and the redacted subject, each said once (searchText):
 * raw ticket text never gets here.
 */
@Injectable()
export class RetrievalService extends AgentHandler<'retrieval'> {
  readonly agent = 'retrieval' as const;
  private readonly logger = new JsonLogger(RetrievalService.name);

  constructor(private readonly memory: MemoryService) {
    super();
  }

  async handle(task: TaskOf<'retrieval'>, ctx: AgentTaskContext): Promise<AgentStepResult<'retrieval'>> {
    const query = searchText(task.triage.intent, task.triage.summary, task.query);
    const found = await this.memory.search({ query, tenantId: ctx.tenantId, limit: task.limit, mode: 'hybrid' });
    const passages: Passage[] = found.map((p) => ({
      chunkId: p.chunkId, documentId: p.documentId, title: p.title, section: p.section, text: p.text, score: p.score, source: p.source, audience: p.audience,
    }));
    this.logger.info('retrieved', { passages: passages.length, top: passages[0]?.documentId });
    return { output: { passages }, usage: { llmCalls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0 } };
  }
}
