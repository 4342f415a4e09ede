// The jobspec block/attribute tables, transcribed from Nomad's api structs and their hcl tags.
#include "jobspec_schema.hpp"

namespace nc::nomadsim::jobspec {

namespace {

using K = Kind;
using M = Mode;

const Schema kConstraint{"constraint",
                         {{"attribute", "LTarget", K::Str},
                          {"value", "RTarget", K::Str},
                          {"operator", "Operand", K::Str},
                          {"version", "", K::Str},
                          {"semver", "", K::Str},
                          {"regexp", "", K::Str},
                          {"set_contains", "", K::Str},
                          {"distinct_hosts", "", K::Bool},
                          {"distinct_property", "", K::Str}},
                         {},
                         {}};

const Schema kAffinity{"affinity",
                       {{"attribute", "LTarget", K::Str},
                        {"value", "RTarget", K::Str},
                        {"operator", "Operand", K::Str},
                        {"weight", "Weight", K::IntPtr}},
                       {},
                       {}};

const Schema kUpdate{"update",
                     {{"stagger", "Stagger", K::DurPtr},
                      {"max_parallel", "MaxParallel", K::IntPtr},
                      {"health_check", "HealthCheck", K::StrPtr},
                      {"min_healthy_time", "MinHealthyTime", K::DurPtr},
                      {"healthy_deadline", "HealthyDeadline", K::DurPtr},
                      {"progress_deadline", "ProgressDeadline", K::DurPtr},
                      {"canary", "Canary", K::IntPtr},
                      {"auto_revert", "AutoRevert", K::BoolPtr},
                      {"auto_promote", "AutoPromote", K::BoolPtr}},
                     {},
                     {}};

const Schema kPeriodic{"periodic",
                       {{"enabled", "Enabled", K::BoolPtr},
                        {"cron", "Spec", K::StrPtr},
                        {"crons", "Specs", K::StrList},
                        {"prohibit_overlap", "ProhibitOverlap", K::BoolPtr},
                        {"time_zone", "TimeZone", K::StrPtr}},
                       {},
                       {{"SpecType", "null"}}};

const Schema kParameterized{"parameterized",
                            {{"payload", "Payload", K::Str},
                             {"meta_required", "MetaRequired", K::StrList},
                             {"meta_optional", "MetaOptional", K::StrList}},
                            {},
                            {}};

const Schema kReschedule{"reschedule",
                         {{"attempts", "Attempts", K::IntPtr},
                          {"interval", "Interval", K::DurPtr},
                          {"delay", "Delay", K::DurPtr},
                          {"delay_function", "DelayFunction", K::StrPtr},
                          {"max_delay", "MaxDelay", K::DurPtr},
                          {"unlimited", "Unlimited", K::BoolPtr}},
                         {},
                         {}};

const Schema kMigrate{"migrate",
                      {{"max_parallel", "MaxParallel", K::IntPtr},
                       {"health_check", "HealthCheck", K::StrPtr},
                       {"min_healthy_time", "MinHealthyTime", K::DurPtr},
                       {"healthy_deadline", "HealthyDeadline", K::DurPtr}},
                      {},
                      {}};

const Schema kRestart{"restart",
                      {{"interval", "Interval", K::DurPtr},
                       {"attempts", "Attempts", K::IntPtr},
                       {"delay", "Delay", K::DurPtr},
                       {"mode", "Mode", K::StrPtr},
                       {"render_templates", "RenderTemplates", K::BoolPtr}},
                      {},
                      {}};

const Schema kEphemeralDisk{"ephemeral_disk",
                            {{"sticky", "Sticky", K::BoolPtr},
                             {"migrate", "Migrate", K::BoolPtr},
                             {"size", "SizeMB", K::IntPtr}},
                            {},
                            {}};

const Schema kPort{"port",
                   {{"static", "Value", K::Int},
                    {"to", "To", K::Int},
                    {"host_network", "HostNetwork", K::Str},
                    {"ignore_collision", "IgnoreCollision", K::Bool}},
                   {},
                   {}};

const Schema kDns{"dns",
                  {{"servers", "Servers", K::StrList},
                   {"searches", "Searches", K::StrList},
                   {"options", "Options", K::StrList}},
                  {},
                  {}};

const Schema kNetwork{"network",
                      {{"mode", "Mode", K::Str},
                       {"device", "Device", K::Str},
                       {"cidr", "CIDR", K::Str},
                       {"ip", "IP", K::Str},
                       {"hostname", "Hostname", K::Str},
                       {"mbits", "MBits", K::IntPtr}},
                      {{"dns", "DNS", M::Single, &kDns},
                       {"port", "DynamicPorts", M::List, &kPort, 1, "Label", "label"}},
                      {{"ReservedPorts", "null"}, {"CNI", "null"}}};

const Schema kResources{"resources",
                        {{"cpu", "CPU", K::IntPtr},
                         {"cores", "Cores", K::IntPtr},
                         {"memory", "MemoryMB", K::IntPtr},
                         {"memory_max", "MemoryMaxMB", K::IntPtr},
                         {"disk", "DiskMB", K::IntPtr},
                         {"secrets", "SecretsMB", K::IntPtr},
                         {"iops", "IOPS", K::IntPtr}},
                        {{"network", "Networks", M::List, &kNetwork}},
                        {{"Devices", "null"}, {"NUMA", "null"}}};

const Schema kCheckRestart{"check_restart",
                           {{"limit", "Limit", K::Int},
                            {"grace", "Grace", K::DurPtr},
                            {"ignore_warnings", "IgnoreWarnings", K::Bool}},
                           {},
                           {}};

const Schema kCheck{"check",
                    {{"name", "Name", K::Str},
                     {"type", "Type", K::Str},
                     {"command", "Command", K::Str},
                     {"args", "Args", K::StrList},
                     {"path", "Path", K::Str},
                     {"protocol", "Protocol", K::Str},
                     {"port", "PortLabel", K::Str},
                     {"expose", "Expose", K::Bool},
                     {"address_mode", "AddressMode", K::Str},
                     {"advertise", "Advertise", K::Str},
                     {"interval", "Interval", K::Dur},
                     {"timeout", "Timeout", K::Dur},
                     {"initial_status", "InitialStatus", K::Str},
                     {"notes", "Notes", K::Str},
                     {"tls_server_name", "TLSServerName", K::Str},
                     {"tls_skip_verify", "TLSSkipVerify", K::Bool},
                     {"method", "Method", K::Str},
                     {"grpc_service", "GRPCService", K::Str},
                     {"grpc_use_tls", "GRPCUseTLS", K::Bool},
                     {"task", "TaskName", K::Str},
                     {"success_before_passing", "SuccessBeforePassing", K::Int},
                     {"failures_before_critical", "FailuresBeforeCritical", K::Int},
                     {"failures_before_warning", "FailuresBeforeWarning", K::Int},
                     {"body", "Body", K::Str},
                     {"on_update", "OnUpdate", K::Str}},
                    {{"check_restart", "CheckRestart", M::Single, &kCheckRestart}},
                    {{"Header", "null"}}};

const Schema kIdentity{"identity",
                       {{"name", "Name", K::Str},
                        {"aud", "Audience", K::StrList},
                        {"change_mode", "ChangeMode", K::Str},
                        {"change_signal", "ChangeSignal", K::Str},
                        {"env", "Env", K::Bool},
                        {"file", "File", K::Bool},
                        {"filepath", "Filepath", K::Str},
                        {"service_name", "ServiceName", K::Str},
                        {"ttl", "TTL", K::Dur},
                        {"extra_claims", "ExtraClaims", K::StrList}},
                       {},
                       {}};

const Schema kService{"service",
                      {{"name", "Name", K::Str},
                       {"tags", "Tags", K::StrList},
                       {"canary_tags", "CanaryTags", K::StrList},
                       {"enable_tag_override", "EnableTagOverride", K::Bool},
                       {"port", "PortLabel", K::Str},
                       {"address_mode", "AddressMode", K::Str},
                       {"address", "Address", K::Str},
                       {"task", "TaskName", K::Str},
                       {"on_update", "OnUpdate", K::Str},
                       {"provider", "Provider", K::Str},
                       {"cluster", "Cluster", K::Str},
                       {"kind", "Kind", K::Str}},
                      {{"check", "Checks", M::List, &kCheck},
                       {"check_restart", "CheckRestart", M::Single, &kCheckRestart},
                       {"meta", "Meta", M::StrMap},
                       {"canary_meta", "CanaryMeta", M::StrMap},
                       {"tagged_addresses", "TaggedAddresses", M::StrMap},
                       {"identity", "Identity", M::Single, &kIdentity}},
                      {{"Connect", "null"}, {"Weights", "null"}}};

const Schema kVault{"vault",
                    {{"policies", "Policies", K::StrList},
                     {"role", "Role", K::Str},
                     {"namespace", "Namespace", K::StrPtr},
                     {"cluster", "Cluster", K::Str},
                     {"env", "Env", K::BoolPtr},
                     {"disable_file", "DisableFile", K::BoolPtr},
                     {"change_mode", "ChangeMode", K::StrPtr},
                     {"change_signal", "ChangeSignal", K::StrPtr},
                     {"allow_token_expiration", "AllowTokenExpiration", K::BoolPtr}},
                    {},
                    {}};

const Schema kChangeScript{"change_script",
                           {{"command", "Command", K::StrPtr, true},
                            {"args", "Args", K::StrList},
                            {"timeout", "Timeout", K::DurPtr},
                            {"fail_on_error", "FailOnError", K::BoolPtr, true},
                            {"run_on_first_render", "RunOnFirstRender", K::BoolPtr}},
                           {},
                           {}};

const Schema kWait{
    "wait", {{"min", "Min", K::DurPtr, true}, {"max", "Max", K::DurPtr, true}}, {}, {}};

const Schema kTemplate{"template",
                       {{"source", "SourcePath", K::StrPtr},
                        {"destination", "DestPath", K::StrPtr},
                        {"data", "EmbeddedTmpl", K::StrPtr},
                        {"change_mode", "ChangeMode", K::StrPtr},
                        {"change_signal", "ChangeSignal", K::StrPtr},
                        {"once", "Once", K::BoolPtr},
                        {"splay", "Splay", K::DurPtr},
                        {"perms", "Perms", K::StrPtr},
                        {"uid", "Uid", K::IntPtr},
                        {"gid", "Gid", K::IntPtr},
                        {"left_delimiter", "LeftDelim", K::StrPtr},
                        {"right_delimiter", "RightDelim", K::StrPtr},
                        {"env", "Envvars", K::BoolPtr},
                        {"vault_grace", "VaultGrace", K::DurPtr},
                        {"error_on_missing_key", "ErrMissingKey", K::BoolPtr}},
                       {{"change_script", "ChangeScript", M::Single, &kChangeScript},
                        {"wait", "Wait", M::Single, &kWait}},
                       {}};

const Schema kLifecycle{
    "lifecycle", {{"hook", "Hook", K::Str, true}, {"sidecar", "Sidecar", K::Bool}}, {}, {}};

const Schema kLogs{"logs",
                   {{"max_files", "MaxFiles", K::IntPtr},
                    {"max_file_size", "MaxFileSizeMB", K::IntPtr},
                    {"enabled", "Enabled", K::BoolPtr},
                    {"disabled", "Disabled", K::BoolPtr}},
                   {},
                   {}};

const Schema kArtifact{
    "artifact",
    {{"source", "GetterSource", K::StrPtr},
     {"mode", "GetterMode", K::StrPtr},
     {"insecure", "GetterInsecure", K::BoolPtr},
     {"destination", "RelativeDest", K::StrPtr},
     {"chown", "Chown", K::Bool}},
    {{"options", "GetterOptions", M::StrMap}, {"headers", "GetterHeaders", M::StrMap}},
    {}};

const Schema kDispatchPayload{"dispatch_payload", {{"file", "File", K::Str}}, {}, {}};

const Schema kTask{"task",
                   {{"driver", "Driver", K::Str},
                    {"user", "User", K::Str},
                    {"kill_timeout", "KillTimeout", K::DurPtr},
                    {"leader", "Leader", K::Bool},
                    {"shutdown_delay", "ShutdownDelay", K::Dur},
                    {"kill_signal", "KillSignal", K::Str},
                    {"kind", "Kind", K::Str}},
                   {{"lifecycle", "Lifecycle", M::Single, &kLifecycle},
                    {"config", "Config", M::FreeForm},
                    {"constraint", "Constraints", M::List, &kConstraint},
                    {"affinity", "Affinities", M::List, &kAffinity},
                    {"env", "Env", M::StrMap},
                    {"service", "Services", M::List, &kService},
                    {"resources", "Resources", M::Single, &kResources},
                    {"restart", "RestartPolicy", M::Single, &kRestart},
                    {"meta", "Meta", M::StrMap},
                    {"logs", "LogConfig", M::Single, &kLogs},
                    {"artifact", "Artifacts", M::List, &kArtifact},
                    {"vault", "Vault", M::Single, &kVault},
                    {"template", "Templates", M::List, &kTemplate},
                    {"dispatch_payload", "DispatchPayload", M::Single, &kDispatchPayload},
                    {"identity", "Identities", M::List, &kIdentity}},
                   {{"Consul", "null"},
                    {"VolumeMounts", "null"},
                    {"ScalingPolicies", "null"},
                    {"Secrets", "null"},
                    {"Identity", "null"},
                    {"Actions", "null"},
                    {"Schedule", "null"}}};

const Schema kGroup{"group",
                    {{"count", "Count", K::IntPtr},
                     {"shutdown_delay", "ShutdownDelay", K::DurPtr},
                     {"max_run_duration", "MaxRunDuration", K::DurPtr},
                     {"stop_after_client_disconnect", "StopAfterClientDisconnect", K::DurPtr},
                     {"max_client_disconnect", "MaxClientDisconnect", K::DurPtr},
                     {"prevent_reschedule_on_lost", "PreventRescheduleOnLost", K::BoolPtr}},
                    {{"constraint", "Constraints", M::List, &kConstraint},
                     {"affinity", "Affinities", M::List, &kAffinity},
                     {"task", "Tasks", M::List, &kTask, 1, "Name", "name"},
                     {"restart", "RestartPolicy", M::Single, &kRestart},
                     {"reschedule", "ReschedulePolicy", M::Single, &kReschedule},
                     {"ephemeral_disk", "EphemeralDisk", M::Single, &kEphemeralDisk},
                     {"update", "Update", M::Single, &kUpdate},
                     {"migrate", "Migrate", M::Single, &kMigrate},
                     {"network", "Networks", M::List, &kNetwork},
                     {"meta", "Meta", M::StrMap},
                     {"service", "Services", M::List, &kService},
                     {"vault", "", M::Single, &kVault}},
                    {{"Spreads", "null"},
                     {"Volumes", "null"},
                     {"Disconnect", "null"},
                     {"Scaling", "null"},
                     {"Consul", "null"}}};

const Schema kJob{"job",
                  {{"region", "Region", K::StrPtr},
                   {"namespace", "Namespace", K::StrPtr},
                   {"id", "ID", K::StrPtr},
                   {"name", "Name", K::StrPtr},
                   {"type", "Type", K::StrPtr},
                   {"priority", "Priority", K::IntPtr},
                   {"all_at_once", "AllAtOnce", K::BoolPtr},
                   {"datacenters", "Datacenters", K::StrList},
                   {"node_pool", "NodePool", K::StrPtr}},
                  {{"constraint", "Constraints", M::List, &kConstraint},
                   {"affinity", "Affinities", M::List, &kAffinity},
                   {"group", "TaskGroups", M::List, &kGroup, 1, "Name", "name"},
                   {"update", "Update", M::Single, &kUpdate},
                   {"periodic", "Periodic", M::Single, &kPeriodic},
                   {"parameterized", "ParameterizedJob", M::Single, &kParameterized},
                   {"reschedule", "Reschedule", M::Single, &kReschedule},
                   {"migrate", "Migrate", M::Single, &kMigrate},
                   {"meta", "Meta", M::StrMap},
                   {"vault", "", M::Single, &kVault}},
                  {{"Multiregion", "null"},
                   {"Spreads", "null"},
                   {"UI", "null"},
                   {"Stop", "null"},
                   {"ParentID", "null"},
                   {"Dispatched", "false"},
                   {"DispatchIdempotencyToken", "null"},
                   {"Payload", "null"},
                   {"ConsulNamespace", "null"},
                   {"VaultNamespace", "null"},
                   {"NomadTokenID", "null"},
                   {"Status", "null"},
                   {"StatusDescription", "null"},
                   {"Stable", "null"},
                   {"Version", "null"},
                   {"SubmitTime", "null"},
                   {"CreateIndex", "null"},
                   {"ModifyIndex", "null"},
                   {"JobModifyIndex", "null"},
                   {"VersionTag", "null"}}};

}  // namespace

const Schema& jobSchema() {
  return kJob;
}
const Schema& vaultSchema() {
  return kVault;
}
const Schema& constraintSchema() {
  return kConstraint;
}

}  // namespace nc::nomadsim::jobspec
