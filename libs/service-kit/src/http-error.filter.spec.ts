import { BadRequestException, Body, ConflictException, Controller, Get, HttpException, Module, NotFoundException, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { configureLogging } from '@switchboard/observability';
import { lastValueFrom, type Observable } from 'rxjs';
import { HttpErrorFilter, requestError } from './http-error.filter';

class TeapotError extends Error {}

@Controller()
class ThrowingController {
  @Post('echo') echo(@Body() body: unknown): unknown { return body; }
  @Get('coded') coded(): never { throw new BadRequestException({ code: 'SVC.BAD_THING', message: 'the thing is bad', issues: ['a'] }); }
  @Get('bare-conflict') conflict(): never { throw new ConflictException('already closed'); }
  @Get('missing') missing(): never { throw new NotFoundException('no such case'); }
  @Get('odd') odd(): never { throw new HttpException('odd', 418); }
  @Get('bug') bug(): never { throw new Error('SELECT * FROM secrets failed: password=hunter2'); }
  @Get('domain') domain(): never { throw new TeapotError('short and stout'); }
}

@Module({ controllers: [ThrowingController] })
class TestModule {}

async function start(filter: HttpErrorFilter): Promise<{ app: NestExpressApplication; url: string }> {
  const app = await NestFactory.create<NestExpressApplication>(TestModule, { logger: false });
  app.useBodyParser('json', { limit: 100 });
  app.useGlobalFilters(filter);
  await app.listen(0, '127.0.0.1');
  return { app, url: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

const call = async (url: string, init?: RequestInit) => {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
};

describe('HttpErrorFilter, over real HTTP', () => {
  let plain: { app: NestExpressApplication; url: string };
  let custom: { app: NestExpressApplication; url: string };
  beforeAll(async () => {
    configureLogging({ level: 'error' });
    plain = await start(new HttpErrorFilter({ codePrefix: 'SVC' }));
    custom = await start(new HttpErrorFilter({
      domain: (e) => (e instanceof TeapotError ? { status: 418, body: { teapot: e.message }, headers: { 'retry-after': '7' } } : undefined),
      render: (e, req) => ({ status: e.status, body: { status: 'error', error: { code: `X_${e.kind}`, message: e.message, path: req.path } } }),
    }));
  });
  afterAll(async () => {
    await plain?.app.close();
    await custom?.app.close();
  });

  it('names the body parser failures: invalid JSON 400, too large 413, unreadable charset 415', async () => {
    const post = (body: string, type = 'application/json') => call(`${plain.url}/echo`, { method: 'POST', body, headers: { 'content-type': type } });
    expect(await post('{"a":')).toMatchObject({ status: 400, body: { code: 'SVC.MALFORMED_JSON', message: expect.stringMatching(/JSON/) } });
    expect(await post(JSON.stringify({ a: 'x'.repeat(200) }))).toMatchObject({ status: 413, body: { code: 'SVC.BODY_TOO_LARGE', message: 'body exceeds 100 bytes' } });
    expect(await post('{}', 'application/json; charset=klingon')).toMatchObject({ status: 415, body: { code: 'SVC.UNSUPPORTED_ENCODING' } });
    expect(await post('{"a":1}')).toMatchObject({ status: 201, body: { a: 1 } });
  });

  it('passes a coded body through, names a bare one by its status, and hides internals behind a 500', async () => {
    expect(await call(`${plain.url}/coded`)).toEqual(expect.objectContaining({ status: 400, body: { code: 'SVC.BAD_THING', message: 'the thing is bad', issues: ['a'] } }));
    expect(await call(`${plain.url}/bare-conflict`)).toMatchObject({ status: 409, body: { code: 'SVC.CONFLICT', message: 'already closed' } });
    expect(await call(`${plain.url}/missing`)).toMatchObject({ status: 404, body: { code: 'SVC.NOT_FOUND', message: 'no such case' } });
    expect(await call(`${plain.url}/no-such-route`)).toMatchObject({ status: 404, body: { code: 'SVC.NOT_FOUND' } });
    expect(await call(`${plain.url}/odd`)).toMatchObject({ status: 418, body: { code: 'SVC.I_M_A_TEAPOT' } });
    const bug = await call(`${plain.url}/bug`);
    expect(bug).toEqual(expect.objectContaining({ status: 500, body: { code: 'SVC.INTERNAL', message: 'internal error' } }));
    expect(JSON.stringify(bug.body)).not.toContain('hunter2');
  });

  it('lets a service map its own errors and render the rest in its own shape, with headers', async () => {
    const teapot = await call(`${custom.url}/domain`);
    expect(teapot).toMatchObject({ status: 418, body: { teapot: 'short and stout' } });
    expect(teapot.headers.get('retry-after')).toBe('7');
    expect(await call(`${custom.url}/missing`)).toMatchObject({ status: 404, body: { status: 'error', error: { code: 'X_NOT_FOUND', path: '/missing' } } });
    expect(await call(`${custom.url}/echo`, { method: 'POST', body: '{', headers: { 'content-type': 'application/json' } }))
      .toMatchObject({ status: 400, body: { error: { code: 'X_MALFORMED_JSON' } } });
  });

  it('hands an error outside HTTP (a Kafka handler of a hybrid app) back untouched, so the bus can retry it', async () => {
    const error = new Error('handler failed');
    const rpcHost = { getType: () => 'rpc', switchToHttp: () => { throw new Error('not HTTP'); } };
    const out = new HttpErrorFilter().catch(error, rpcHost as never) as Observable<never>;
    await expect(lastValueFrom(out)).rejects.toBe(error);
  });

  it('classifies only the body parser\'s own errors', () => {
    expect(requestError(new Error('x'))).toBeUndefined();
    expect(requestError(undefined)).toBeUndefined();
    expect(requestError({ type: 'entity.too.large', limit: 5 })).toEqual({ status: 413, kind: 'BODY_TOO_LARGE', message: 'body exceeds 5 bytes' });
  });
});
