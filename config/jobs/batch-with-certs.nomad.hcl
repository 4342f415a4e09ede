# batch-with-certs: a batch job whose main task needs a short-lived client certificate.
#
# Pattern: the prestart task "fetch-cert" (not a sidecar: it runs to completion before the
# main task starts) holds the Vault role. Its templates fetch a 1h certificate from
# pki-int/issue/nomad-job and write it into the shared allocation directory alloc/data/tls/,
# then the task checks the files are there and exits. The main task "upload" has no Vault
# access at all; it only reads the files. One hour is enough for the run: nothing renews the
# certificate after the prestart task has finished, so keep the job shorter than the TTL.
#
# nomad-certd watches alloc/data/tls/cert.pem while the allocation runs.

job "batch-with-certs" {
  datacenters = ["*"]
  type        = "batch"

  group "report" {
    count = 1

    restart {
      attempts = 1
      mode     = "fail"
    }

    task "fetch-cert" {
      driver = "docker"

      lifecycle {
        hook    = "prestart"
        sidecar = false
      }

      # Workload identity (Nomad >= 1.10): only this task can talk to Vault.
      vault {
        role = "nomad-workloads"
      }

      config {
        image   = "busybox:1.36"
        command = "/bin/sh"
        args = [
          "-c",
          "test -s ${NOMAD_ALLOC_DIR}/data/tls/cert.pem && test -s ${NOMAD_ALLOC_DIR}/data/tls/key.pem",
        ]
      }

      template {
        destination = "${NOMAD_ALLOC_DIR}/data/tls/cert.pem"
        perms       = "0644"
        change_mode = "noop"
        data        = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=1h" -}}
          {{ .Data.certificate }}
          {{- end }}
        EOT
      }

      template {
        destination = "${NOMAD_ALLOC_DIR}/data/tls/key.pem"
        perms       = "0600"
        change_mode = "noop"
        data        = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=1h" -}}
          {{ .Data.private_key }}
          {{- end }}
        EOT
      }

      template {
        destination = "${NOMAD_ALLOC_DIR}/data/tls/ca.pem"
        perms       = "0644"
        change_mode = "noop"
        data        = <<-EOT
          {{- with secret "pki-int/issue/nomad-job" (printf "common_name=%s.service.consul" (env "NOMAD_JOB_NAME")) "ttl=1h" -}}
          {{ range .Data.ca_chain }}{{ . }}
          {{ end }}
          {{- end }}
        EOT
      }

      resources {
        cpu    = 50
        memory = 32
      }
    }

    # The main task: uploads a report over mutual TLS with the certificate fetched above.
    # It runs as root in the container because the key file is 0600 and owned by root.
    task "upload" {
      driver = "docker"
      user   = "root"

      config {
        image = "curlimages/curl:8.10.1"
        args = [
          "--fail", "--silent", "--show-error",
          "--cert", "${NOMAD_ALLOC_DIR}/data/tls/cert.pem",
          "--key", "${NOMAD_ALLOC_DIR}/data/tls/key.pem",
          "--cacert", "${NOMAD_ALLOC_DIR}/data/tls/ca.pem",
          "--data-binary", "@${NOMAD_TASK_DIR}/report.json",
          "https://reports.service.consul:8443/upload",
        ]
      }

      template {
        destination = "local/report.json"
        data        = <<-EOT
          {"job": "{{ env "NOMAD_JOB_NAME" }}", "alloc": "{{ env "NOMAD_ALLOC_ID" }}"}
        EOT
      }

      resources {
        cpu    = 100
        memory = 64
      }
    }
  }
}
