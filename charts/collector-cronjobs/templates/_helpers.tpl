{{/*
Names, labels and the list of CronJobs to render ("instances"), shared by every template.
*/}}

{{- define "collector-cronjobs.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The prefix of every resource name. */}}
{{- define "collector-cronjobs.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "collector-cronjobs.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "collector-cronjobs.selectorLabels" -}}
app.kubernetes.io/name: {{ include "collector-cronjobs.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "collector-cronjobs.labels" -}}
helm.sh/chart: {{ include "collector-cronjobs.chart" . }}
{{ include "collector-cronjobs.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pipeline
{{- end }}

{{- define "collector-cronjobs.serviceAccountName" -}}
{{- if .Values.global.serviceAccount.create }}
{{- default (include "collector-cronjobs.fullname" .) .Values.global.serviceAccount.name }}
{{- else }}
{{- required "global.serviceAccount.name: name an existing ServiceAccount when global.serviceAccount.create is false" .Values.global.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "collector-cronjobs.image" -}}
{{- $image := .Values.global.image }}
{{- if $image.digest }}
{{- printf "%s@%s" $image.repository $image.digest }}
{{- else }}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) }}
{{- end }}
{{- end }}

{{/*
A CronJob name: PREFIX-COLLECTOR[-OWNER-REPO] (PREFIX: fullnameOverride, else the release name),
lower-cased, other characters as "-". At most 52 characters (Kubernetes appends 11 to name each
Job): a longer name keeps its first 20 characters of PREFIX-COLLECTOR and the end of the
repository (its most telling part) within 43, then "-" and the first 8 hex digits of the SHA-256
of the whole name, so it stays unique and the same from one release to the next.
Argument: dict "prefix" "collector" "repository".
*/}}
{{- define "collector-cronjobs.slug" -}}
{{- regexReplaceAll "-+" (regexReplaceAll "[^a-z0-9-]+" (lower .) "-") "-" | trimAll "-" }}
{{- end }}

{{- define "collector-cronjobs.cronJobName" -}}
{{- $head := include "collector-cronjobs.slug" (printf "%s-%s" .prefix .collector) }}
{{- $repo := include "collector-cronjobs.slug" (default "" .repository) }}
{{- $full := $head }}
{{- if $repo }}{{ $full = printf "%s-%s" $head $repo }}{{ end }}
{{- $hash := sha256sum $full | trunc 8 }}
{{- if le (len $full) 52 }}
{{- $full }}
{{- else if not $repo }}
{{- printf "%s-%s" ($head | trunc 43 | trimAll "-") $hash }}
{{- else }}
{{- $h := $head | trunc 20 | trimAll "-" }}
{{- $r := $repo | trunc (int (sub (len $h) 42)) | trimAll "-" }}
{{- printf "%s-%s-%s" $h $r $hash }}
{{- end }}
{{- end }}

{{/* The first part of CronJob names: fullnameOverride, else the release name. */}}
{{- define "collector-cronjobs.cronJobPrefix" -}}
{{- default .Release.Name .Values.fullnameOverride }}
{{- end }}

{{/*
Every CronJob to render, as JSON {"items": [{collector, name, repository, file}, …]}, sorted by
collector name then repository order. Checks what the schema cannot: an enabled collector's
pipeline file is in the chart, github has a repository, names do not collide.
*/}}
{{- define "collector-cronjobs.instances" -}}
{{- $root := . }}
{{- $prefix := include "collector-cronjobs.cronJobPrefix" . }}
{{- $items := list }}
{{- $seen := dict }}
{{- range $collector, $c := .Values.collectors }}
{{- if $c.enabled }}
{{- $file := $c.pipelineFile }}
{{- if not ($root.Files.Get (printf "pipelines/%s" $file)) }}
{{- fail (printf "collectors.%s is enabled but its pipeline file %q is not in the chart (charts/collector-cronjobs/pipelines/ has: %s). Add pipelines/%s to the repository and run scripts/sync-chart-pipelines.sh, or set collectors.%s.enabled=false" $collector $file (include "collector-cronjobs.pipelineFiles" $root) $file $collector) }}
{{- end }}
{{- range $name, $what := (default dict $c.requiredEnv) }}
{{- if not (or (get (default dict $c.env) $name) (get (default dict $root.Values.global.env) $name) (hasKey (default dict $c.secretEnv) $name) $c.envFromSecrets) }}
{{- fail (printf "collectors.%s is enabled but %s is not set: set collectors.%s.env.%s to %s" $collector $name $collector $name $what) }}
{{- end }}
{{- end }}
{{- $repositories := list "" }}
{{- if $c.repositories }}
{{- $repositories = $c.repositories }}
{{- else if and (eq $collector "github") (not (hasKey (default dict $c.env) "GITHUB_REPOSITORY")) }}
{{- fail "collectors.github is enabled but names no repository: set collectors.github.repositories to [owner/name, …] (or collectors.github.env.GITHUB_REPOSITORY)" }}
{{- end }}
{{- range $repository := $repositories }}
{{- $base := printf "%s/%s" $collector (default "" $repository) | trimSuffix "/" }}
{{- $name := include "collector-cronjobs.cronJobName" (dict "prefix" $prefix "collector" $collector "repository" $repository) }}
{{- if hasKey $seen $name }}
{{- fail (printf "collectors.%s: %q and %q would both be the CronJob %s; list each repository once" $collector (get $seen $name) $base $name) }}
{{- end }}
{{- $_ := set $seen $name $base }}
{{- $items = append $items (dict "collector" $collector "name" $name "repository" $repository "file" $file) }}
{{- end }}
{{- end }}
{{- end }}
{{- dict "items" $items | toJson }}
{{- end }}

{{/* The pipeline files in the chart, comma-separated (for error messages). */}}
{{- define "collector-cronjobs.pipelineFiles" -}}
{{- $names := list }}
{{- range $path, $_ := .Files.Glob "pipelines/*.json" }}
{{- $names = append $names (base $path) }}
{{- end }}
{{- join ", " $names }}
{{- end }}

{{/* Where the pipeline files and the state are mounted in the collector containers. */}}
{{- define "collector-cronjobs.pipelinesDir" -}}/etc/pipeline/pipelines{{- end }}
{{- define "collector-cronjobs.stateDir" -}}/var/lib/pipeline{{- end }}

{{/* Pod-level security context. */}}
{{- define "collector-cronjobs.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.global.podSecurityContext.runAsUser }}
runAsGroup: {{ .Values.global.podSecurityContext.runAsGroup }}
fsGroup: {{ .Values.global.podSecurityContext.fsGroup }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Container-level security context. */}}
{{- define "collector-cronjobs.containerSecurityContext" -}}
runAsNonRoot: true
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
privileged: false
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
The environment of a collector container. Argument: dict "root" $ "collector" NAME "c" VALUES
"repository" REPO. Fixed variables first (PIPELINE_DEADLINE: activeDeadlineSeconds minus
global.cronJob.deadlineMarginSeconds); then global.env and the collector's env (which win, by
name); then secrets (a name may not be both plain and secret).
*/}}
{{- define "collector-cronjobs.env" -}}
{{- $g := .root.Values.global }}
{{- $plain := dict "PIPELINES_DIR" (include "collector-cronjobs.pipelinesDir" .root) "PIPELINE_STATE_DIR" (include "collector-cronjobs.stateDir" .root) "PIPELINE_LOG_LEVEL" $g.logLevel "HOME" "/tmp" }}
{{- if $g.datadog.env }}{{ $_ := set $plain "DD_ENV" $g.datadog.env }}{{ end }}
{{- if $g.datadog.site }}{{ $_ := set $plain "DD_SITE" $g.datadog.site }}{{ end }}
{{- if $g.secrets.backend }}{{ $_ := set $plain "PIPELINE_SECRETS" $g.secrets.backend }}{{ end }}
{{- if $g.aws.region }}{{ $_ := set $plain "AWS_REGION" $g.aws.region }}{{ end }}
{{- if .repository }}{{ $_ := set $plain "GITHUB_REPOSITORY" .repository }}{{ end }}
{{- $deadline := sub (int .c.activeDeadlineSeconds) (int $g.cronJob.deadlineMarginSeconds) }}
{{- if lt $deadline 60 }}
{{- fail (printf "collectors.%s: activeDeadlineSeconds (%d) minus global.cronJob.deadlineMarginSeconds (%d) leaves the run %d s; give it at least 60" .collector (int .c.activeDeadlineSeconds) (int $g.cronJob.deadlineMarginSeconds) $deadline) }}
{{- end }}
{{- $_ := set $plain "PIPELINE_DEADLINE" (printf "%ds" $deadline) }}
{{- $plain = merge (deepCopy (default dict .c.env)) (deepCopy (default dict $g.env)) $plain }}
{{- if .repository }}{{ $_ := set $plain "GITHUB_REPOSITORY" .repository }}{{ end }}
{{- $secret := dict }}
{{- if $g.datadog.apiKeySecret.name }}
{{- $_ := set $secret "DD_API_KEY" $g.datadog.apiKeySecret }}
{{- end }}
{{- if and $g.datadog.appKeySecret $g.datadog.appKeySecret.name }}
{{- $_ := set $secret "DD_APP_KEY" $g.datadog.appKeySecret }}
{{- end }}
{{- range $name, $ref := (default dict .c.secretEnv) }}
{{- $_ := set $secret $name $ref }}
{{- end }}
{{- range $name, $_ := $secret }}
{{- if hasKey $plain $name }}
{{- fail (printf "collectors.%s: %s is set both as a plain value (env) and from a Secret (secretEnv, global.datadog.apiKeySecret or appKeySecret); keep one" $.collector $name) }}
{{- end }}
{{- end }}
{{- range $name := keys $plain | sortAlpha }}
- name: {{ $name }}
  value: {{ get $plain $name | toString | quote }}
{{- end }}
{{- range $name := keys $secret | sortAlpha }}
{{- $ref := get $secret $name }}
- name: {{ $name }}
  valueFrom:
    secretKeyRef:
      name: {{ $ref.name }}
      key: {{ $ref.key }}
      {{- if $ref.optional }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}

{{/* envFrom of a collector container. Argument as for collector-cronjobs.env. */}}
{{- define "collector-cronjobs.envFrom" -}}
{{- range $name := concat (default list .root.Values.global.envFromSecrets) (default list .c.envFromSecrets) | uniq }}
- secretRef:
    name: {{ $name }}
{{- end }}
{{- end }}

{{/* Volume mounts shared by the collector and the test containers (not the state). */}}
{{- define "collector-cronjobs.commonMounts" -}}
- name: pipelines
  mountPath: {{ include "collector-cronjobs.pipelinesDir" . }}
  readOnly: true
- name: tmp
  mountPath: /tmp
{{- with .Values.global.secrets.mountSecret }}
{{- if .name }}
- name: secrets
  mountPath: {{ .mountPath }}
  readOnly: true
{{- end }}
{{- end }}
{{- end }}

{{/* Volumes shared by the collector and the test pods (not the state). */}}
{{- define "collector-cronjobs.commonVolumes" -}}
- name: pipelines
  configMap:
    name: {{ include "collector-cronjobs.fullname" . }}-pipelines
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- with .Values.global.secrets.mountSecret }}
{{- if .name }}
- name: secrets
  secret:
    secretName: {{ .name }}
    defaultMode: 0440
{{- end }}
{{- end }}
{{- end }}

{{/* Checks across values that the schema cannot express. */}}
{{- define "collector-cronjobs.validate" -}}
{{- $s := .Values.global.secrets }}
{{- if and $s.mountSecret.name (ne $s.backend (printf "dir:%s" $s.mountSecret.mountPath)) }}
{{- fail (printf "global.secrets.mountSecret mounts %s at %s, so global.secrets.backend must be \"dir:%s\" (it is %q)" $s.mountSecret.name $s.mountSecret.mountPath $s.mountSecret.mountPath $s.backend) }}
{{- end }}
{{- end }}
