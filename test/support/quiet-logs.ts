// Test runs log at warn unless LOG_LEVEL says otherwise, so jest output stays readable.
import { configureLogging, type LogLevel } from '@switchboard/observability';

configureLogging({ level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? 'warn' });
