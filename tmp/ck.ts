import { run } from '../test/bench/checkpoint.bench';
run().then((f) => { const a = ((globalThis as any).__tq as number[]).sort((x, y) => x - y); console.log('query only p50', a[Math.floor(a.length / 2)]); console.log(f.slice(0, 4).map((x) => `${x.name} ${x.value}`).join('\n')); process.exit(0); });
