package validate

import (
	"unicode/utf8"

	"github.com/stepflow/stepflow/internal/jsonv"
)

// maxLabelLength is the longest Map Label AWS accepts.
const maxLabelLength = 40

// The fields of a Map state's configuration objects.
var (
	processorConfigFields = fields("Mode", "ExecutionType")
	itemReaderFields      = fields("Resource", "ReaderConfig", "Parameters", "Arguments")
	readerConfigFields    = fields("InputType", "CSVHeaderLocation", "CSVHeaders", "CSVDelimiter",
		"MaxItems", "MaxItemsPath", "ManifestType", "Transformation")
	itemBatcherFields = fields("MaxItemsPerBatch", "MaxItemsPerBatchPath", "MaxInputBytesPerBatch",
		"MaxInputBytesPerBatchPath", "BatchInput")
	resultWriterFields = fields("Resource", "Parameters", "Arguments", "WriterConfig")
	writerConfigFields = fields("Transformation", "OutputType")
)

// mapField checks a field only a Map state has.
func (c *checker) mapField(lang, key string, v jsonv.Value, at loc) {
	switch key {
	case "ItemProcessor", "Iterator":
		if o, ok := c.object(v, at); ok {
			c.block(o, at, blockProcessor)
		}
	case "ItemsPath":
		if path, ok := c.str(v, at); ok && !validPath(path) {
			c.fail(at, msgInvalidPath(key))
		}
	case "Items":
		if expr, ok := v.(string); ok && isExpression(expr) {
			return
		}
		c.array(v, at)
	case "MaxConcurrency":
		c.intOrExpr(v, at, nonNegative, lang)
	case "ToleratedFailureCount":
		c.intOrExpr(v, at, nonNegative, lang)
	case "ToleratedFailurePercentage":
		c.numberOrExpr(v, at, percentRange, lang)
	case "MaxConcurrencyPath", "ToleratedFailureCountPath", "ToleratedFailurePercentagePath":
		c.referencePath(v, at, key, false)
	case "Label":
		if label, ok := c.str(v, at); ok && utf8.RuneCountInString(label) > maxLabelLength {
			c.failCode(CodeInvalidLabelName, at, "Label '"+label+"' exceeds the 40-character limit allowed by the service")
		}
	case "ItemReader":
		c.itemReader(v, at, lang)
	case "ItemBatcher":
		c.itemBatcher(v, at, lang)
	case "ResultWriter":
		c.resultWriter(v, at, lang)
	}
}

// processorConfig checks an ItemProcessor's ProcessorConfig.
func (c *checker) processorConfig(v jsonv.Value, at loc) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	c.unsupported(o, at, processorConfigFields)
	for _, m := range o.Members {
		fat := at.key(m.Key)
		switch m.Key {
		case "Mode":
			mode, ok := c.enum(m.Value, fat, "INLINE", "DISTRIBUTED")
			if ok && mode == "DISTRIBUTED" && c.express {
				c.fail(fat, "The field 'Mode' with value 'DISTRIBUTED' is not supported inside 'EXPRESS' state machines")
			}
		case "ExecutionType":
			c.enum(m.Value, fat, "STANDARD", "EXPRESS")
		}
	}
}

// payload checks the Parameters (JSONPath) or Arguments (JSONata) of an
// ItemReader or ResultWriter; the other language's field is reported at the
// field.
func (c *checker) payload(key string, v jsonv.Value, at loc, lang string) {
	switch {
	case key == "Parameters" && lang == JSONata, key == "Arguments" && lang == JSONPath:
		c.fail(at, msgOtherLanguage(lang, key))
	case key == "Parameters":
		if o, ok := c.object(v, at); ok {
			c.template(o, at)
		}
	default:
		c.arguments(v, at)
	}
}

// integrationResource checks the Resource of an ItemReader or ResultWriter
// against the integrations it accepts.
func (c *checker) integrationResource(v jsonv.Value, at loc, accepted ...string) {
	arn, ok := c.str(v, at)
	if !ok {
		return
	}
	if m := serviceARN.FindStringSubmatch(arn); m != nil {
		for _, a := range accepted {
			if m[2]+":"+m[3] == a {
				return
			}
		}
	}
	c.fail(at, msgUnknownResource(arn))
}

// itemReader checks a Map's ItemReader.
func (c *checker) itemReader(v jsonv.Value, at loc, lang string) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	c.unsupported(o, at, itemReaderFields)
	c.required(o, at, "Resource")
	for _, m := range o.Members {
		fat := at.key(m.Key)
		switch m.Key {
		case "Resource":
			c.integrationResource(m.Value, fat, "s3:getObject", "s3:listObjectsV2")
		case "Parameters", "Arguments":
			c.payload(m.Key, m.Value, fat, lang)
		case "ReaderConfig":
			c.readerConfig(m.Value, fat, lang)
		}
	}
}

// readerConfig checks an ItemReader's ReaderConfig.
func (c *checker) readerConfig(v jsonv.Value, at loc, lang string) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	c.unsupported(o, at, readerConfigFields)
	c.exclusive(o, at, false, "MaxItems", "MaxItemsPath")
	for _, m := range o.Members {
		fat := at.key(m.Key)
		switch m.Key {
		case "InputType":
			c.enum(m.Value, fat, "CSV", "JSON", "JSONL", "MANIFEST", "PARQUET")
		case "CSVHeaderLocation":
			c.enum(m.Value, fat, "FIRST_ROW", "GIVEN")
		case "CSVDelimiter":
			c.enum(m.Value, fat, "COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB")
		case "ManifestType":
			c.enum(m.Value, fat, "ATHENA_DATA", "S3_INVENTORY")
		case "CSVHeaders":
			if list, ok := c.array(m.Value, fat); ok {
				for i, e := range list {
					c.str(e, fat.index(i))
				}
			}
		case "MaxItems":
			c.intOrExpr(m.Value, fat, bounds{min: 0, max: 100000000}, lang)
		case "MaxItemsPath":
			c.languageField(lang, m.Key, m.Value, fat)
		}
	}
}

// languageField checks a JSONPath-only ...Path field of a Map
// configuration object.
func (c *checker) languageField(lang, key string, v jsonv.Value, at loc) {
	if lang == JSONata {
		c.fail(at, msgOtherLanguage(lang, key))
		return
	}
	c.referencePath(v, at, key, false)
}

// itemBatcher checks a Map's ItemBatcher.
func (c *checker) itemBatcher(v jsonv.Value, at loc, lang string) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	c.unsupported(o, at, itemBatcherFields)
	c.exclusive(o, at, false, "MaxItemsPerBatch", "MaxItemsPerBatchPath")
	c.exclusive(o, at, false, "MaxInputBytesPerBatch", "MaxInputBytesPerBatchPath")
	for _, m := range o.Members {
		fat := at.key(m.Key)
		switch m.Key {
		case "MaxItemsPerBatch":
			c.intOrExpr(m.Value, fat, nonNegative, lang)
		case "MaxInputBytesPerBatch":
			c.intOrExpr(m.Value, fat, bounds{min: 0, max: 262144}, lang)
		case "MaxItemsPerBatchPath", "MaxInputBytesPerBatchPath":
			c.languageField(lang, m.Key, m.Value, fat)
		case "BatchInput":
			if lang == JSONPath {
				if bo, ok := c.object(m.Value, fat); ok {
					c.template(bo, fat)
				}
			}
		}
	}
}

// resultWriter checks a Map's ResultWriter.
func (c *checker) resultWriter(v jsonv.Value, at loc, lang string) {
	o, ok := c.object(v, at)
	if !ok {
		return
	}
	c.unsupported(o, at, resultWriterFields)
	switch {
	case !o.Has("Resource") && !o.Has("WriterConfig"):
		c.fail(at, msgRequired("Resource"))
	case o.Has("Resource") && !o.Has("Parameters") && !o.Has("Arguments"):
		if lang == JSONata {
			c.fail(at, msgRequired("Arguments"))
		} else {
			c.fail(at, msgRequired("Parameters"))
		}
	}
	for _, m := range o.Members {
		fat := at.key(m.Key)
		switch m.Key {
		case "Resource":
			c.integrationResource(m.Value, fat, "s3:putObject")
		case "Parameters", "Arguments":
			c.payload(m.Key, m.Value, fat, lang)
		case "WriterConfig":
			wo, ok := c.object(m.Value, fat)
			if !ok {
				continue
			}
			c.unsupported(wo, fat, writerConfigFields)
			c.required(wo, fat, "Transformation", "OutputType")
			for _, w := range wo.Members {
				switch w.Key {
				case "Transformation":
					c.enum(w.Value, fat.key(w.Key), "NONE", "COMPACT", "FLATTEN")
				case "OutputType":
					c.enum(w.Value, fat.key(w.Key), "JSON", "JSONL")
				}
			}
		}
	}
}
