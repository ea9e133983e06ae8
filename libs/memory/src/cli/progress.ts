import type { DocumentIngestResult, IngestProgress, IngestSummary } from '../ingest/knowledge-ingestor';

/**
 * Progress on stderr: a redrawn bar on a TTY, one plain line per file otherwise (CI logs).
 *
 * @example
 * await ingestor.ingestDirectory(dir, { progress: new StderrProgress() });
 */
export class StderrProgress implements IngestProgress {
  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {}

  start(total: number): void {
    if (!this.stream.isTTY) this.stream.write(`[ingest] ${total} files\n`);
  }

  file(result: DocumentIngestResult, done: number, total: number): void {
    const counts = `+${result.chunksAdded} =${result.chunksUnchanged} -${result.chunksRemoved}`;
    if (!this.stream.isTTY) {
      this.stream.write(`[ingest] ${done}/${total} ${result.documentId} ${result.status} (${counts})\n`);
      return;
    }
    const width = 28;
    const filled = Math.round((done / total) * width);
    const name = result.documentId.length > 40 ? `…${result.documentId.slice(-39)}` : result.documentId;
    this.stream.write(`\r\x1b[2K[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${done}/${total} ${name}`);
    if (done === total) this.stream.write('\n');
  }
}

/** One summary line set for humans, e.g. at the end of the ingest command. */
export function formatSummary(s: IngestSummary): string {
  return [
    `files: ${s.files} (documents added ${s.documents.added}, changed ${s.documents.changed}, unchanged ${s.documents.unchanged}, removed ${s.documents.removed})`,
    `chunks: added ${s.chunks.added}, unchanged ${s.chunks.unchanged}, removed ${s.chunks.removed}`,
    `time: ${s.seconds.toFixed(2)} s`,
  ].join('\n');
}
