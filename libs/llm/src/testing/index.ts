export { ScriptedLlm, ScriptedLlmUnexpectedCallError, type AgentScript, type ScriptedReply } from './scripted-llm';
export { FakeConverseServer, FAKE_AWS_CREDENTIALS, type ConverseReply, type ConverseWireBlock } from './fake-converse-server';
export { FakeOllamaServer, type OllamaReply } from './fake-ollama-server';
export type { RecordedRequest } from './wire-server';
