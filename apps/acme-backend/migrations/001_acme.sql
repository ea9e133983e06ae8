-- The reference "company" backend: a small SaaS admin system the gateway's tools act on.
CREATE SCHEMA IF NOT EXISTS acme;

CREATE TABLE acme.tenants (
  id text PRIMARY KEY,
  name text NOT NULL,
  region text NOT NULL,
  plan text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'suspended')),
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE acme.users (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES acme.tenants(id),
  email text NOT NULL,
  name text NOT NULL,
  role text NOT NULL,
  locked boolean NOT NULL DEFAULT false,
  locked_at timestamptz,
  failed_attempts int NOT NULL DEFAULT 0,
  UNIQUE (tenant_id, email)
);

CREATE TABLE acme.login_attempts (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES acme.tenants(id),
  email text NOT NULL,
  at timestamptz NOT NULL,
  success boolean NOT NULL,
  reason text,
  ip text
);
CREATE INDEX login_attempts_tenant_idx ON acme.login_attempts (tenant_id, at DESC);

CREATE TABLE acme.feature_flags (
  tenant_id text NOT NULL REFERENCES acme.tenants(id),
  flag text NOT NULL,
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant_id, flag)
);

CREATE TABLE acme.tenant_cache (
  tenant_id text PRIMARY KEY REFERENCES acme.tenants(id),
  status text NOT NULL CHECK (status IN ('fresh', 'stale')),
  version int NOT NULL DEFAULT 1,
  last_reset_at timestamptz,
  stale_since timestamptz
);

CREATE TABLE acme.trials (
  tenant_id text PRIMARY KEY REFERENCES acme.tenants(id),
  started_on date NOT NULL,
  ends_on date NOT NULL,
  converted boolean NOT NULL DEFAULT false,
  extensions int NOT NULL DEFAULT 0,
  last_extension_days int
);

CREATE TABLE acme.subscriptions (
  tenant_id text PRIMARY KEY REFERENCES acme.tenants(id),
  plan text NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'past_due', 'cancelled')),
  renews_on date NOT NULL
);

CREATE TABLE acme.invoices (
  id text PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES acme.tenants(id),
  number text NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
  currency text NOT NULL,
  status text NOT NULL CHECK (status IN ('paid', 'open', 'void')),
  issued_on date NOT NULL
);

CREATE TABLE acme.refunds (
  id text PRIMARY KEY,
  invoice_id text NOT NULL REFERENCES acme.invoices(id),
  tenant_id text NOT NULL REFERENCES acme.tenants(id),
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  reason text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX refunds_invoice_idx ON acme.refunds (invoice_id, created_at);

CREATE TABLE acme.events (
  id bigserial PRIMARY KEY,
  tenant_id text NOT NULL REFERENCES acme.tenants(id),
  at timestamptz NOT NULL DEFAULT clock_timestamp(),
  kind text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX events_tenant_idx ON acme.events (tenant_id, id DESC);

-- Writes carrying an Idempotency-Key return their first response when repeated.
CREATE TABLE acme.idempotency_keys (
  key text PRIMARY KEY,
  fingerprint text NOT NULL,
  status int NOT NULL,
  body jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
