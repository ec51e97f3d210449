package sfn

import "encoding/json"

// The configuration members of a state machine, stored together as JSON in
// store.StateMachine.Configuration and echoed by DescribeStateMachine.

type logging struct {
	Level                string           `json:"level,omitempty"`
	IncludeExecutionData bool             `json:"includeExecutionData"`
	Destinations         []logDestination `json:"destinations,omitempty"`
}

type logDestination struct {
	CloudWatchLogsLogGroup *logGroup `json:"cloudWatchLogsLogGroup,omitempty"`
}

type logGroup struct {
	LogGroupArn string `json:"logGroupArn,omitempty"`
}

type tracing struct {
	Enabled bool `json:"enabled"`
}

type encryption struct {
	KmsKeyID                     string `json:"kmsKeyId,omitempty"`
	KmsDataKeyReusePeriodSeconds *int64 `json:"kmsDataKeyReusePeriodSeconds,omitempty"`
	Type                         string `json:"type"`
}

// smConfig is what store.StateMachine.Configuration holds.
type smConfig struct {
	Logging    *logging    `json:"loggingConfiguration,omitempty"`
	Tracing    *tracing    `json:"tracingConfiguration,omitempty"`
	Encryption *encryption `json:"encryptionConfiguration,omitempty"`
}

// Logging levels and encryption types.
const (
	levelOff          = "OFF"
	encryptionAWSKey  = "AWS_OWNED_KEY"
	encryptionCustKey = "CUSTOMER_MANAGED_KMS_KEY"
)

// defaultConfig is a new state machine's configuration.
func defaultConfig() smConfig {
	return smConfig{
		Logging:    &logging{Level: levelOff},
		Tracing:    &tracing{},
		Encryption: &encryption{Type: encryptionAWSKey},
	}
}

// parseConfig reads a stored configuration, filling in the defaults.
func parseConfig(text string) smConfig {
	c := defaultConfig()
	if text != "" {
		var stored smConfig
		if json.Unmarshal([]byte(text), &stored) == nil {
			if stored.Logging != nil {
				c.Logging = stored.Logging
			}
			if stored.Tracing != nil {
				c.Tracing = stored.Tracing
			}
			if stored.Encryption != nil {
				c.Encryption = stored.Encryption
			}
		}
	}
	return c
}

func (c smConfig) text() string {
	b, _ := json.Marshal(c) // plain structs: cannot fail
	return string(b)
}

// apply overlays the members a request sets, validating them.
func (c smConfig) apply(l *logging, t *tracing, e *encryption) (smConfig, error) {
	if l != nil {
		nl := *l
		if nl.Level == "" {
			nl.Level = levelOff
		}
		if err := checkLogging(&nl); err != nil {
			return c, err
		}
		c.Logging = &nl
	}
	if t != nil {
		nt := *t
		c.Tracing = &nt
	}
	if e != nil {
		ne := *e
		if err := checkEncryption(&ne); err != nil {
			return c, err
		}
		c.Encryption = &ne
	}
	return c, nil
}

func checkLogging(l *logging) error {
	switch l.Level {
	case "ALL", "ERROR", "FATAL", levelOff:
	default:
		return errEnum("loggingConfiguration.level", l.Level, "ALL", "ERROR", "FATAL", "OFF")
	}
	if len(l.Destinations) > 1 {
		return apiError(CodeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	if l.Level != levelOff && len(l.Destinations) == 0 {
		return apiError(CodeInvalidLoggingConfiguration, "Invalid Logging Configuration: Must specify exactly one Log Destination.")
	}
	return nil
}

func checkEncryption(e *encryption) error {
	switch e.Type {
	case encryptionAWSKey, encryptionCustKey:
	default:
		return errEnum("encryptionConfiguration.type", e.Type, encryptionAWSKey, encryptionCustKey)
	}
	if e.Type == encryptionCustKey && e.KmsKeyID == "" {
		return apiError(CodeInvalidEncryptionConfig, "Invalid Encryption Configuration: kmsKeyId must be provided when type is CUSTOMER_MANAGED_KMS_KEY")
	}
	if p := e.KmsDataKeyReusePeriodSeconds; p != nil && (*p < 60 || *p > 900) {
		if *p < 60 {
			return errTooSmall("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", *p, 60)
		}
		return errTooLarge("encryptionConfiguration.kmsDataKeyReusePeriodSeconds", *p, 900)
	}
	return nil
}
