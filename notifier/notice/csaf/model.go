package csaf

// The part of the CSAF 2.0 document model that a Security Notice fills.
// Fields are declared in the order of the OASIS examples (alphabetical), so
// encoding/json writes them in a stable order.

type advisory struct {
	Document document `json:"document"`
}

type document struct {
	Category     string       `json:"category"`
	CSAFVersion  string       `json:"csaf_version"`
	Distribution distribution `json:"distribution"`
	Lang         string       `json:"lang"`
	Notes        []note       `json:"notes"`
	Publisher    publisher    `json:"publisher"`
	References   []reference  `json:"references"`
	Title        string       `json:"title"`
	Tracking     tracking     `json:"tracking"`
}

type distribution struct {
	Text string `json:"text,omitempty"`
	TLP  tlp    `json:"tlp"`
}

type tlp struct {
	Label string `json:"label"`
}

type note struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

type publisher struct {
	Category       string `json:"category"`
	ContactDetails string `json:"contact_details,omitempty"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
}

type reference struct {
	Category string `json:"category"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

type tracking struct {
	CurrentReleaseDate string     `json:"current_release_date"`
	Generator          generator  `json:"generator"`
	ID                 string     `json:"id"`
	InitialReleaseDate string     `json:"initial_release_date"`
	RevisionHistory    []revision `json:"revision_history"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
}

type generator struct {
	Engine engine `json:"engine"`
}

type engine struct {
	Name string `json:"name"`
}

type revision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}
