{{/* Name of the release's objects: <release>-errorhub, or fullnameOverride. */}}
{{- define "errorhub.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "errorhub.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (web, worker-ingest, worker-alerts, beat, migrate). */}}
{{- define "errorhub.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "errorhub.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "errorhub.secretName" -}}
{{- .Values.existingSecret | default (include "errorhub.fullname" .) -}}
{{- end -}}

{{/* Every ErrorHub process reads the same settings: the ConfigMap, then the Secret. */}}
{{- define "errorhub.envFrom" -}}
- configMapRef:
    name: {{ include "errorhub.fullname" . }}
- secretRef:
    name: {{ include "errorhub.secretName" . }}
{{- end -}}

{{- define "errorhub.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "errorhub.containerSecurityContext" -}}
allowPrivilegeEscalation: false
capabilities:
  drop: ["ALL"]
{{- end -}}

{{/*
Pods wait until the migrate Job has applied every migration: `migrate --check` exits non-zero
while one is unapplied, so no replica serves or processes against an old schema.
*/}}
{{- define "errorhub.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "errorhub.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  # also makes the pod's PROMETHEUS_MULTIPROC_DIR (prometheus_client needs it to exist in every process)
  command: ["sh", "-c", "mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && until python manage.py migrate --check --noinput -v0; do echo waiting for migrations; sleep 5; done"]
  envFrom:
    {{- include "errorhub.envFrom" . | nindent 4 }}
  securityContext:
    {{- include "errorhub.containerSecurityContext" . | nindent 4 }}
  resources:
    {{- toYaml .Values.migrate.resources | nindent 4 }}
  volumeMounts:
    - name: data
      mountPath: /data
{{- end -}}

{{/* Per-pod scratch: the data dir (prometheus multiprocess files, beat schedule), never shared state. */}}
{{- define "errorhub.volumes" -}}
- name: data
  emptyDir: {}
{{- end -}}

{{- define "errorhub.podCommon" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.serviceAccountName }}
serviceAccountName: {{ . }}
{{- end }}
securityContext:
  {{- include "errorhub.podSecurityContext" . | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
