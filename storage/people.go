package storage

// People outside the configuration: the features that deal with
// enterprises (the registry, the hazard loop, inspections) share how such
// a person is written down and how the event log names them as an actor,
// without depending on one another.

// Contact is a person outside the configuration (an enterprise's
// responsible people, the one answering for a hazard): a name and a phone,
// shown with config.DisplayPhone.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// ActorEnterprise is the Event.Actor of a step taken by an enterprise's
// own responsible person (企业单位负责人), who is not an official; the
// step carries their name.
const ActorEnterprise = "enterprise"
