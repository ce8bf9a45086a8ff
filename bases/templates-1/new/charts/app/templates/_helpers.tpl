{{/*
Expand the name of the chart.
*/}}
{{- define "<@ p.name @>.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Create a default fully qualified app name.
We truncate at 63 chars because some Kubernetes name fields are limited to this (by the DNS naming spec).
If release name contains chart name it will be used as a full name.
*/}}
{{- define "<@ p.name @>.fullname" -}}
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

{{/*
Create chart name and version as used by the chart label.
*/}}
{{- define "<@ p.name @>.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Common labels
*/}}
{{- define "<@ p.name @>.labels" -}}
helm.sh/chart: {{ include "<@ p.name @>.chart" . }}
{{ include "<@ p.name @>.selectorLabels" . }}
{{- if .Chart.AppVersion }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/*
Selector labels
*/}}
{{- define "<@ p.name @>.selectorLabels" -}}
app.kubernetes.io/name: {{ include "<@ p.name @>.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
Create the name of the service account to use
*/}}
{{- define "<@ p.name @>.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "<@ p.name @>.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
Fail early on settings that would make the pods misbehave.
*/}}
{{- define "<@ p.name @>.validate" -}}
{{- $grace := int .Values.terminationGracePeriodSeconds }}
{{- $drain := add (int .Values.config.shutdownTimeout) (int .Values.preStopSleepSeconds) }}
{{- if le $grace $drain }}
{{- fail (printf "terminationGracePeriodSeconds (%d) must be greater than config.shutdownTimeout + preStopSleepSeconds (%d), or Kubernetes kills the server before in-flight requests finish" $grace $drain) }}
{{- end }}
<%- if p.redis %>
{{- if not (has .Values.redis.mode (list "standalone" "sentinel" "cluster")) }}
{{- fail (printf "redis.mode must be standalone, sentinel or cluster, not %q" .Values.redis.mode) }}
{{- end }}
<%- endif %>
{{- end }}
