package config

// Enterprises configures the enterprise registry (挂牌企业台账).
type Enterprises struct {
	// MaxPerPerson is how many plaques (as 行政负责人 or 行业部门监管负责人)
	// one official may hold before an import warns of "一人承包": the seed
	// asks towns to spread enterprises so that each can really be
	// inspected every month (item 19.1). A warning, not a refusal.
	MaxPerPerson int `yaml:"max_per_person"`
}

// DefaultMaxPerPerson is enterprises.max_per_person by default: ten
// plaques, at two inspections a month each covered twice a year.
const DefaultMaxPerPerson = 10

func (c *Config) validateEnterprises(e *errs) {
	if c.Enterprises.MaxPerPerson < 1 {
		e.add("enterprises.max_per_person", "%d must be at least 1", c.Enterprises.MaxPerPerson)
	}
}
