package export

import "github.com/processkarta/processkarta/board"

// labels holds every fixed string the document prints, in one language.
type labels struct {
	lang      string // BCP 47 tag for /Lang and dc:language
	docKind   string // the small line above the title
	page      string // "Sida %d av %s"
	municipal string
	scbCode   string
	strategy  string
	revision  string
	workshop  string
	date      string
	facil     string
	template  string
	phase     string
	version   string
	noFacil   string
	// namesLeftOut stands where a name would be in an export without names.
	namesLeftOut string
	// fewer replaces a count of 1 or 2 people, which could identify them.
	fewer string
	// otherAdmins gathers the administrations with fewer than 3 people.
	otherAdmins string
	noStrat     string

	front      string // the first page's bookmark
	summary    string
	lanesLine  string
	counts     [6]string // steps, decisions, events, notes, links, goals
	people     string
	mapEmpty   string
	mapEmptyEx string

	mapTitle    string
	overview    string
	tile        string // "Del %s av %d"
	tileOf      string // "Kartan är delad på %d sidor (%d × %d) för att texten ska gå att läsa."
	tileJoin    string // how to join the tiles
	scaleNote   string // "Skala: 14 px tavla = %.1f pt"
	tooBig      string // the map was shrunk below the readable size
	noLaneTitle string

	goalsTitle string
	goalsIntro string
	goalCols   [11]string
	goalLegend string
	noGoals    string

	notesTitle string
	notesIntro string
	noLane     string
	votesFmt   string // "%d röster"
	oneVote    string

	peopleTitle  string
	peopleTotal  string // "%d personer deltog."
	peopleOne    string
	perAdmin     string
	perPosition  string
	count        string
	total        string
	noAdmin      string
	observers    string // "%d observatörer (t.ex. projektorskärmar) räknas inte."
	observerOne  string
	contents     string
	tocMap       string // "Processkarta (översikt och %d delar)"
	pageShort    string // "s. %s"
	namesTitle   string
	nameCols     [4]string
	positions    map[string]string
	roles        map[string]string
	templates    map[string]string
	noPeople     string
	kwords       string // keywords prefix
	subject      string // "Processkarta från workshop"
	creator      string
	truncatedMap string

	// The map read as text (its alternative text).
	altIntro     string // "Processkartan som text: %d simbanor ..."
	altIntroOne  string // the same for one lane
	altIntroNone string // for a map without lanes
	altOnMap     string // what stands on a map without lanes
	altTile      string // "Del %s av kartan. "
	altLane      string
	altEmptyLane string
	altOutside   string
	altArrows    string
	altNoText    string
	altKinds     map[string]string

	// The HTML report.
	htmlImage  string // the map image's caption
	htmlNote   string // what the page is
	htmlSkip   string
	factsTitle string
	factsCols  [2]string
}

var sv = &labels{
	lang:         "sv-SE",
	docKind:      "Processkarta · dokumentation från workshop",
	page:         "Sida %d av %s",
	municipal:    "Kommun",
	scbCode:      "Kommunkod (SCB)",
	strategy:     "Strategi",
	revision:     "Revision",
	workshop:     "Workshop",
	date:         "Datum",
	facil:        "Processledare",
	template:     "Mall",
	phase:        "Fas vid export",
	version:      "Version",
	noFacil:      "ej angiven",
	namesLeftOut: "namn anges inte",
	fewer:        "färre än 3",
	otherAdmins:  "Övriga förvaltningar",
	noStrat:      "ingen strategi kopplad",

	front:      "Översikt över workshopen",
	summary:    "Tavlan i siffror",
	lanesLine:  "Simbanor (förvaltningar)",
	counts:     [6]string{"Processteg", "Beslutspunkter", "Händelser", "Lappar", "Pilar", "Målområden"},
	people:     "Deltagare",
	mapEmpty:   "Kartan är tom.",
	mapEmptyEx: "Tavlan har inga objekt: inga simbanor, processteg, lappar eller målområden lades till under workshopen.",

	mapTitle:    "Processkarta",
	overview:    "Översikt",
	tile:        "Del %s",
	tileOf:      "Kartan är delad på %d delar (%d kolumner × %d rader) så att texten går att läsa. Delarna heter efter rad (A, B, …) och kolumn (1, 2, …).",
	tileJoin:    "Skarva delarna vid de streckade linjerna; pilarna i marginalen visar vilken del som fortsätter åt det hållet.",
	scaleNote:   "Skala: tavlans text på 14 px motsvarar %.1f pt.",
	tooBig:      "Tavlan är för stor för läsbar text på det antal sidor som dokumentet tillåter; kartan är förminskad.",
	noLaneTitle: "Utan titel",

	goalsTitle: "Målområden i prioritetsordning",
	goalsIntro: "Ordningen följer processledarens slutliga rangordning där den finns, därefter antal röster och titel.",
	goalCols:   [11]string{"Rang", "Målområde", "Beskrivning", "Målsättning", "Indikator", "Ansvarig", "Röster", "Pol.", "Chef", "Tjp.", "Övr."},
	goalLegend: "Röster per befattning: Pol. = politiker, Chef = chef, Tjp. = tjänsteperson, Övr. = övrig.",
	noGoals:    "Tavlan har inga målområden.",

	notesTitle: "Lappar och hinder per simbana",
	notesIntro: "Lapparna står under den simbana där de sitter på kartan, uppifrån och ned.",
	noLane:     "Utan simbana",
	votesFmt:   "%d röster",
	oneVote:    "1 röst",

	peopleTitle: "Deltagare",
	peopleTotal: "%d personer deltog i workshopen.",
	peopleOne:   "1 person deltog i workshopen.",
	perAdmin:    "Per förvaltning",
	perPosition: "Per befattning",
	count:       "Antal",
	total:       "Totalt",
	noAdmin:     "Ingen förvaltning angiven",
	observers:   "Därtill %d observatörer (till exempel projektorskärmar), som inte räknas ovan.",
	observerOne: "Därtill 1 observatör (till exempel en projektorskärm), som inte räknas ovan.",
	contents:    "Innehåll",
	tocMap:      "Processkarta (översikt och %d delar)",
	pageShort:   "sida %s",
	namesTitle:  "Deltagarlista",
	nameCols:    [4]string{"Namn", "Förvaltning", "Befattning", "Roll"},
	positions: map[string]string{
		board.PositionPolitician: "Politiker",
		board.PositionManager:    "Chef",
		board.PositionOfficial:   "Tjänsteperson",
		board.PositionOther:      "Övrig",
	},
	roles: map[string]string{
		board.RoleFacilitator: "Processledare",
		board.RoleParticipant: "Deltagare",
		board.RoleObserver:    "Observatör",
	},
	templates: map[string]string{
		board.TemplateBlank:        "Tom tavla",
		board.TemplateProcessMap:   "Processkarta",
		board.TemplateGoalWorkshop: "Målworkshop",
	},
	noPeople:     "Inga deltagare anslöt till tavlan.",
	kwords:       "processkarta, workshop, energi- och klimatstrategi",
	subject:      "Processkarta från workshop",
	creator:      "Processkarta",
	truncatedMap: "Texten i en del former är förkortad (…) på kartan; lapparnas hela text står i avsnittet om lappar.",

	altIntro:     "Processkartan som text: %d simbanor uppifrån och ned, i varje simbana det som står där från vänster till höger, därefter pilarna.",
	altTile:      "Del %s av processkartan, det som står på den här sidan:",
	altLane:      "Simbana",
	altEmptyLane: "tom",
	altIntroOne:  "Processkartan som text: en simbana, det som står i den från vänster till höger, sedan det som står utanför den, därefter pilarna.",
	altIntroNone: "Processkartan som text: det som står på kartan uppifrån och ned, därefter pilarna.",
	altOnMap:     "På kartan",
	altOutside:   "Utanför simbanorna",
	altArrows:    "Pilar",
	altNoText:    "utan text",
	altKinds: map[string]string{
		board.KindStep: "Processteg", board.KindDecision: "Beslutspunkt", board.KindEvent: "Händelse", "end": "Slut",
		board.KindNote: "Lapp", board.KindFrame: "Ram", board.KindAction: "Åtgärd", board.KindGoal: "Målområde", board.KindLane: "Simbana",
	},

	htmlImage:  "Processkartan som bild. Samma innehåll står som text ovanför bilden.",
	htmlNote:   "Den här sidan är samma rapport som PDF-filen från Processkarta, som en tillgänglig webbsida.",
	htmlSkip:   "Hoppa till innehållet",
	factsTitle: "Om workshopen",
	factsCols:  [2]string{"Uppgift", "Värde"},
}

var en = &labels{
	lang:         "en",
	docKind:      "Processkarta · workshop record",
	page:         "Page %d of %s",
	municipal:    "Municipality",
	scbCode:      "Municipality code (SCB)",
	strategy:     "Strategy",
	revision:     "Revision",
	workshop:     "Workshop",
	date:         "Date",
	facil:        "Facilitator",
	template:     "Template",
	phase:        "Phase at export",
	version:      "Version",
	noFacil:      "not given",
	namesLeftOut: "names not given",
	fewer:        "fewer than 3",
	otherAdmins:  "Other administrations",
	noStrat:      "no strategy attached",

	front:      "About the workshop",
	summary:    "The board in numbers",
	lanesLine:  "Swimlanes (administrations)",
	counts:     [6]string{"Process steps", "Decisions", "Events", "Notes", "Arrows", "Goal areas"},
	people:     "Participants",
	mapEmpty:   "The map is empty.",
	mapEmptyEx: "The board has no objects: no swimlanes, process steps, notes or goal areas were added during the workshop.",

	mapTitle:    "Process map",
	overview:    "Overview",
	tile:        "Part %s",
	tileOf:      "The map is split into %d parts (%d columns × %d rows) so that its text stays legible. Parts are named by row (A, B, …) and column (1, 2, …).",
	tileJoin:    "Join the parts at the dashed lines; the arrows in the margin show which part continues in that direction.",
	scaleNote:   "Scale: the board's 14 px text is printed at %.1f pt.",
	tooBig:      "The board is too large for legible text within the pages this document allows; the map is reduced.",
	noLaneTitle: "Untitled",

	goalsTitle: "Goal areas in priority order",
	goalsIntro: "The order is the facilitator's final ranking where given, then the number of votes, then the title.",
	goalCols:   [11]string{"Rank", "Goal area", "Description", "Target", "Indicator", "Owner", "Votes", "Pol.", "Mgr.", "Off.", "Oth."},
	goalLegend: "Votes by position: Pol. = politician, Mgr. = manager, Off. = official, Oth. = other.",
	noGoals:    "The board has no goal areas.",

	notesTitle: "Notes and obstacles by swimlane",
	notesIntro: "Notes are listed under the swimlane they sit in on the map, from top to bottom.",
	noLane:     "No lane",
	votesFmt:   "%d votes",
	oneVote:    "1 vote",

	peopleTitle: "Participants",
	peopleTotal: "%d people took part in the workshop.",
	peopleOne:   "1 person took part in the workshop.",
	perAdmin:    "By administration",
	perPosition: "By position",
	count:       "Count",
	total:       "Total",
	noAdmin:     "No administration given",
	observers:   "In addition, %d observers (such as projector screens), not counted above.",
	observerOne: "In addition, 1 observer (such as a projector screen), not counted above.",
	contents:    "Contents",
	tocMap:      "Process map (overview and %d parts)",
	pageShort:   "page %s",
	namesTitle:  "List of participants",
	nameCols:    [4]string{"Name", "Administration", "Position", "Role"},
	positions: map[string]string{
		board.PositionPolitician: "Politician",
		board.PositionManager:    "Manager",
		board.PositionOfficial:   "Official",
		board.PositionOther:      "Other",
	},
	roles: map[string]string{
		board.RoleFacilitator: "Facilitator",
		board.RoleParticipant: "Participant",
		board.RoleObserver:    "Observer",
	},
	templates: map[string]string{
		board.TemplateBlank:        "Blank board",
		board.TemplateProcessMap:   "Process map",
		board.TemplateGoalWorkshop: "Goal workshop",
	},
	noPeople:     "No participants joined the board.",
	kwords:       "process map, workshop, energy and climate strategy",
	subject:      "Process map from a workshop",
	creator:      "Processkarta",
	truncatedMap: "Text in some shapes is shortened (…) on the map; the notes' full text is in the section on notes.",

	altIntro:     "The process map as text: %d swimlanes from top to bottom, in each lane what stands in it from left to right, then the arrows.",
	altTile:      "Part %s of the process map, what stands on this page:",
	altLane:      "Swimlane",
	altEmptyLane: "empty",
	altIntroOne:  "The process map as text: one swimlane, what stands in it from left to right, then what stands outside it, then the arrows.",
	altIntroNone: "The process map as text: what stands on the map from top to bottom, then the arrows.",
	altOnMap:     "On the map",
	altOutside:   "Outside the swimlanes",
	altArrows:    "Arrows",
	altNoText:    "no text",
	altKinds: map[string]string{
		board.KindStep: "Process step", board.KindDecision: "Decision", board.KindEvent: "Event", "end": "End",
		board.KindNote: "Note", board.KindFrame: "Frame", board.KindAction: "Action", board.KindGoal: "Goal area", board.KindLane: "Swimlane",
	},

	htmlImage:  "The process map as an image. The same content is given as text above the image.",
	htmlNote:   "This page is the same report as the PDF file from Processkarta, as an accessible web page.",
	htmlSkip:   "Skip to content",
	factsTitle: "About the workshop",
	factsCols:  [2]string{"Item", "Value"},
}
