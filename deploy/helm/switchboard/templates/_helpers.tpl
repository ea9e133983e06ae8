{{/* Release-scoped name prefix. */}}
{{- define "switchboard.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.labels" -}}
app.kubernetes.io/part-of: switchboard
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
switchboard.dev/region: {{ .Values.region | quote }}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "name" "triage") */}}
{{- define "switchboard.selector" -}}
app.kubernetes.io/name: switchboard
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "switchboard.image" -}}
{{- printf "%s/%s:%s" .root.Values.image.registry .name (.root.Values.image.tag | default .root.Chart.AppVersion) -}}
{{- end -}}

{{- define "switchboard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}{{ include "switchboard.fullname" . }}{{- else -}}default{{- end -}}
{{- end -}}

{{- define "switchboard.ollamaUrl" -}}
{{- printf "http://%s-ollama:%d" (include "switchboard.fullname" .) (int .Values.ollama.port) -}}
{{- end -}}

{{- define "switchboard.gatewayUrl" -}}
{{- printf "http://%s-gateway:%d" (include "switchboard.fullname" .) (int (index .Values.services "gateway").port) -}}
{{- end -}}

{{/* The LLM policy with templates in values expanded (e.g. the in-cluster Ollama URL). */}}
{{- define "switchboard.llmPolicy" -}}
{{- tpl (toYaml .Values.llm.policy) . -}}
{{- end -}}

{{/*
Plain (non-secret) environment of one service: (dict "root" $ "name" "triage" "svc" $svc).
Only variables the service's zod schema knows; the deploy tests check that.
*/}}
{{- define "switchboard.env" -}}
{{- $root := .root -}}{{- $svc := .svc -}}{{- $name := .name -}}
{{- $env := dict "PORT" (toString $svc.port) "LOG_LEVEL" $root.Values.logLevel -}}
{{- if and $svc.otel $root.Values.otelExporterEndpoint -}}
{{- $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" $root.Values.otelExporterEndpoint -}}
{{- end -}}
{{- if $svc.bus -}}
{{- $_ := set $env "KAFKA_BROKERS" (join "," $root.Values.kafka.brokers) -}}
{{- $_ := set $env "KAFKA_CLIENT_ID" (printf "%s-%s" $root.Values.kafka.clientId $name) -}}
{{- if $root.Values.kafka.topicPrefix -}}{{- $_ := set $env "KAFKA_TOPIC_PREFIX" $root.Values.kafka.topicPrefix -}}{{- end -}}
{{- $k := $root.Values.kafka -}}
{{- if $k.tls.enabled -}}{{- $_ := set $env "KAFKA_SSL" "true" -}}{{- end -}}
{{- if and $k.tls.enabled $k.tls.caSecret -}}{{- $_ := set $env "KAFKA_SSL_CA_FILE" "/etc/switchboard/kafka-ca/ca.crt" -}}{{- end -}}
{{- if $k.sasl.mechanism -}}{{- $_ := set $env "KAFKA_SASL_MECHANISM" $k.sasl.mechanism -}}{{- end -}}
{{- if $k.sasl.username -}}{{- $_ := set $env "KAFKA_SASL_USERNAME" $k.sasl.username -}}{{- end -}}
{{- if $k.sasl.awsRegion -}}{{- $_ := set $env "KAFKA_AWS_REGION" $k.sasl.awsRegion -}}{{- end -}}
{{- if $k.sasl.oauthTokenUrl -}}
{{- $_ := set $env "KAFKA_SASL_OAUTHBEARER_TOKEN_URL" $k.sasl.oauthTokenUrl -}}
{{- $_ := set $env "KAFKA_SASL_OAUTHBEARER_CLIENT_ID" $k.sasl.oauthClientId -}}
{{- if $k.sasl.oauthScope -}}{{- $_ := set $env "KAFKA_SASL_OAUTHBEARER_SCOPE" $k.sasl.oauthScope -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if $svc.llm -}}
{{- $_ := set $env "LLM_POLICY_FILE" "/etc/switchboard/llm/policy.yaml" -}}
{{- $_ := set $env "LLM_TIMEOUT_MS" (toString (int $root.Values.llm.timeoutMs)) -}}
{{- if $root.Values.sovereign -}}{{- $_ := set $env "LLM_SOVEREIGN" "true" -}}{{- end -}}
{{- end -}}
{{- if $svc.memory -}}
{{- $_ := set $env "MEMORY_STORE" $root.Values.memory.store -}}
{{- $_ := set $env "MEMORY_COLLECTION" $root.Values.memory.collection -}}
{{- $_ := set $env "MEMORY_EMBEDDINGS_DIR" "/app/models/all-minilm-l6-v2-q" -}}
{{- if eq $root.Values.memory.store "qdrant" -}}
{{- $_ := set $env "QDRANT_URL" $root.Values.memory.qdrantUrl -}}
{{- end -}}
{{- end -}}
{{- if $svc.gatewayClient -}}
{{- $_ := set $env "GATEWAY_URL" (include "switchboard.gatewayUrl" $root) -}}
{{- end -}}
{{- if or (eq $name "ingress") (eq $name "supervisor") -}}
{{- $_ := set $env "TENANT_SERVED_REGIONS" (join "," ($root.Values.tenancy.servedRegions | default (list $root.Values.region))) -}}
{{- if $root.Values.tenancy.registry -}}{{- $_ := set $env "TENANT_REGISTRY_FILE" "/etc/switchboard/tenants/tenants.yaml" -}}{{- end -}}
{{- end -}}
{{- if eq $name "helpdesk" -}}
{{- $h := $root.Values.helpdesk -}}
{{- $_ := set $env "HELPDESK_ADAPTER" $h.adapter -}}
{{- if $h.zendeskUrl -}}{{- $_ := set $env "ZENDESK_URL" $h.zendeskUrl -}}{{- end -}}
{{- if $h.zendeskEmail -}}{{- $_ := set $env "ZENDESK_EMAIL" $h.zendeskEmail -}}{{- end -}}
{{- if $h.webhookUrl -}}{{- $_ := set $env "HELPDESK_WEBHOOK_URL" $h.webhookUrl -}}{{- end -}}
{{- if $h.consoleUrl -}}{{- $_ := set $env "HELPDESK_CONSOLE_URL" $h.consoleUrl -}}{{- end -}}
{{- if $h.routing -}}{{- $_ := set $env "HELPDESK_ROUTING_FILE" "/etc/switchboard/helpdesk/routing.yaml" -}}{{- end -}}
{{- end -}}
{{- if and (eq $name "gateway") (index $root.Values.services "acme-backend").enabled -}}
{{- $_ := set $env "ACME_BASE_URL" (printf "http://%s-acme-backend:%d" (include "switchboard.fullname" $root) (int (index $root.Values.services "acme-backend").port)) -}}
{{- end -}}
{{- range $k, $v := ($svc.env | default dict) -}}
{{- if not (eq (toString $v) "") -}}{{- $_ := set $env $k (toString $v) -}}{{- end -}}
{{- end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* Secret-backed variables of one service: DATABASE_URL for `database`, plus `secretEnv`. */}}
{{- define "switchboard.secretEnv" -}}
{{- $root := .root -}}{{- $svc := .svc -}}
{{- $refs := dict -}}
{{- if $svc.database -}}{{- $_ := set $refs "DATABASE_URL" (dict "key" "DATABASE_URL") -}}{{- end -}}
{{- if and $svc.bus (has $root.Values.kafka.sasl.mechanism (list "plain" "scram-sha-256" "scram-sha-512")) -}}
{{- $_ := set $refs "KAFKA_SASL_PASSWORD" (dict "key" "KAFKA_SASL_PASSWORD") -}}
{{- end -}}
{{- if and $svc.bus $root.Values.kafka.sasl.oauthTokenUrl -}}
{{- $_ := set $refs "KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET" (dict "key" "KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET") -}}
{{- end -}}
{{- range $k, $v := ($svc.secretEnv | default dict) -}}{{- $_ := set $refs $k $v -}}{{- end -}}
{{- range $k := keys $refs | sortAlpha }}
{{- $ref := index $refs $k }}
- name: {{ $k }}
  valueFrom:
    secretKeyRef:
      name: {{ $root.Values.secrets.name }}
      key: {{ $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end -}}
{{- end -}}

{{/* Does this service mount the tenant registry? (ingress and supervisor, when the values carry one) */}}
{{- define "switchboard.usesTenants" -}}
{{- if and (or (eq .name "ingress") (eq .name "supervisor")) .root.Values.tenancy.registry -}}true{{- end -}}
{{- end -}}

{{/* Does this service talk to Postgres? */}}
{{- define "switchboard.usesPostgres" -}}
{{- if or .database (hasKey (.secretEnv | default dict) "DATABASE_URL") -}}true{{- end -}}
{{- end -}}

{{/*
Render-time guards: a sovereign region must not be able to send case data to an external model, so the chart refuses
to render such a configuration at all.
*/}}
{{- define "switchboard.validate" -}}
{{- $policy := fromYaml (include "switchboard.llmPolicy" .) -}}
{{- if .Values.sovereign -}}
{{- range $name, $p := ($policy.providers | default dict) -}}
{{- if eq (toString $p.kind) "bedrock" -}}
{{- fail (printf "region %s is sovereign: LLM provider %q is Bedrock; only in-cluster providers (ollama, llama-cpp) are allowed" $.Values.region $name) -}}
{{- end -}}
{{- if and (eq (toString $p.kind) "ollama") (not (hasPrefix (include "switchboard.ollamaUrl" $) (toString $p.host))) -}}
{{- fail (printf "region %s is sovereign: Ollama provider %q must use the in-cluster Ollama (%s), not %s" $.Values.region $name (include "switchboard.ollamaUrl" $) (toString $p.host)) -}}
{{- end -}}
{{- end -}}
{{- if not .Values.ollama.enabled -}}{{- fail "a sovereign region needs the in-cluster Ollama: set ollama.enabled=true" -}}{{- end -}}
{{- if not .Values.networkPolicy.enabled -}}{{- fail "a sovereign region needs networkPolicy.enabled=true (LLM egress only to the in-cluster Ollama)" -}}{{- end -}}
{{- if .Values.networkPolicy.llmEgress -}}{{- fail "a sovereign region must not allow external LLM egress: networkPolicy.llmEgress must be empty" -}}{{- end -}}
{{- range $k, $v := .Values.serviceAccount.annotations -}}
{{- if hasPrefix "eks.amazonaws.com/" $k -}}{{- fail (printf "a sovereign region must not carry AWS IAM annotations (%s)" $k) -}}{{- end -}}
{{- end -}}
{{- end -}}
{{- if (index .Values.services "helpdesk").enabled -}}
{{- $h := .Values.helpdesk -}}
{{- if eq $h.adapter "zendesk" -}}
{{- if not (and $h.zendeskUrl $h.zendeskEmail) -}}{{- fail "helpdesk.adapter is zendesk: set helpdesk.zendeskUrl and helpdesk.zendeskEmail (or disable services.helpdesk)" -}}{{- end -}}
{{- else if eq $h.adapter "webhook" -}}
{{- if not $h.webhookUrl -}}{{- fail "helpdesk.adapter is webhook: set helpdesk.webhookUrl (or disable services.helpdesk)" -}}{{- end -}}
{{- else -}}
{{- fail (printf "helpdesk.adapter must be zendesk or webhook, not %q" (toString $h.adapter)) -}}
{{- end -}}
{{- end -}}
{{- if and (or (index .Values.services "triage").enabled (index .Values.services "resolver").enabled) (not (hasKey ($policy.regions | default dict) .Values.region)) -}}
{{- fail (printf "llm.policy.regions has no entry for this release's region %q (the agents would refuse every case): install with a region's values file (-f values-<region>.yaml) or set llm.policy" .Values.region) -}}
{{- end -}}
{{- end -}}
