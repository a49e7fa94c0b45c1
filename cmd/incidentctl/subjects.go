package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/herald-notify/herald/incident"
	"github.com/herald-notify/herald/incident/contract"
)

const (
	defaultBatch = 500
	maxBatch     = 5000 // the contract's maxItems for subjects
)

// importJob is one streamed subjects import.
type importJob struct {
	incidentID string
	name       string // file name, for format detection and messages
	format     string // "" = detect
	hash       string // SHA-256 of the whole input, for deterministic event ids
	size       int64  // bytes, for the progress bar; -1 if unknown
	r          io.Reader
	batch      int
	quiet      bool
}

// importResult counts what an import did.
type importResult struct {
	sent    int // subjects sent
	bad     int // rows skipped
	batches int // events sent
}

func runSubjects(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "import" {
		return usagef("the only subcommand is: subjects import INCIDENT_ID FILE|-")
	}
	fs := newFlagSet("subjects import", e)
	batch := fs.Int("batch", defaultBatch, "subjects per event")
	quiet := fs.Bool("quiet", false, "no progress bar")
	format := fs.String("format", "", "csv or jsonl (default: from the extension, else the content)")
	pos, err := parseArgs(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 2 || pos[0] == "" {
		return usagef("import needs INCIDENT_ID and FILE (or - for stdin)")
	}
	if *batch < 1 || *batch > maxBatch {
		return usagef("--batch must be between 1 and %d", maxBatch)
	}
	src, err := openSource(pos[1], e.stdin)
	if err != nil {
		return err
	}
	defer src.close()
	job := importJob{incidentID: pos[0], name: pos[1], format: *format, hash: src.hash,
		size: src.size, r: src.f, batch: *batch, quiet: *quiet}
	p, err := dialProducer(ctx, e)
	if err != nil {
		return err
	}
	defer p.Close()
	return importAndReport(ctx, e, job, p)
}

// importAndReport imports and prints the summary. Bad rows make the command
// fail (exit 1) only after every good row was sent.
func importAndReport(ctx context.Context, e *env, job importJob, p *producer) error {
	res, err := importSubjects(ctx, e, job, p)
	fmt.Fprintf(e.stdout, "imported %d subjects in %d events for incident %s (%d rows skipped)\n",
		res.sent, res.batches, job.incidentID, res.bad)
	if err != nil {
		return err
	}
	if res.bad > 0 {
		return fmt.Errorf("%d rows skipped (see the lines above), the other %d subjects were sent; import the fixed rows as a new file",
			res.bad, res.sent)
	}
	return nil
}

// importer turns rows into subjects events of at most batch subjects.
type importer struct {
	ctx     context.Context
	e       *env
	job     importJob
	p       *producer
	bar     *bar
	pending []row
	seen    map[string]int // subject id -> line, to catch duplicates in one file
	res     importResult
	n       int // batch number, 1-based, stable for the same input
}

func importSubjects(ctx context.Context, e *env, job importJob, p *producer) (importResult, error) {
	b := newBar(e.stderr, job.size, job.quiet, "importing subjects")
	defer b.finish()
	br := bufio.NewReaderSize(b.reader(job.r), 64<<10)
	if job.format == "" {
		job.format = detectFormat(job.name, br)
	}
	rows, err := newRowReader(job.format, br)
	if err != nil {
		return importResult{}, err
	}
	im := &importer{ctx: ctx, e: e, job: job, p: p, bar: b, seen: map[string]int{}}
	if err := im.readAll(rows); err != nil {
		return im.res, err
	}
	return im.res, im.flush()
}

func (im *importer) readAll(rows rowReader) error {
	for {
		r, err := rows.next()
		var re *rowError
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case errors.As(err, &re):
			im.reject(re)
			continue
		case err != nil:
			return err
		}
		if err := im.add(r); err != nil {
			return err
		}
	}
}

func (im *importer) add(r row) error {
	if re := checkSubject(r.subject); re != nil {
		re.line = r.line
		im.reject(re)
		return nil
	}
	if first, dup := im.seen[r.subject.ID]; dup {
		im.reject(&rowError{line: r.line, field: "id", msg: fmt.Sprintf("repeats the id on line %d", first)})
		return nil
	}
	im.seen[r.subject.ID] = r.line
	im.pending = append(im.pending, r)
	if len(im.pending) >= im.job.batch {
		return im.flush()
	}
	return nil
}

// reject counts a bad row and reports its line and field on stderr.
func (im *importer) reject(re *rowError) {
	im.res.bad++
	im.bar.println(fmt.Sprintf("incidentctl subjects import: skipped %v", re))
}

// flush validates and sends the pending rows as one event.
func (im *importer) flush() error {
	if len(im.pending) == 0 {
		return nil
	}
	im.n++
	rows := im.dropInvalid(im.pending)
	im.pending = im.pending[:0]
	if len(rows) == 0 {
		return nil
	}
	value, err := im.batchValue(rows)
	if err != nil {
		return err
	}
	if err := im.p.sendTimeout(im.ctx, im.e, im.job.incidentID, value); err != nil {
		return fmt.Errorf("batch %d: %w (re-run the same import to resume)", im.n, err)
	}
	im.res.batches++
	im.res.sent += len(rows)
	return nil
}

// dropInvalid checks the batch against the contract; if it fails, it checks
// row by row and drops the rows the daemon would reject, so one bad row does
// not send a whole batch to the dead-letter topic.
func (im *importer) dropInvalid(rows []row) []row {
	if _, err := im.batchValue(rows); err == nil {
		return rows
	}
	var good []row
	for _, r := range rows {
		if _, err := im.batchValue([]row{r}); err != nil {
			im.reject(contractRowError(r, err))
			continue
		}
		good = append(good, r)
	}
	return good
}

// batchValue encodes rows as the validated subjects event of batch im.n.
func (im *importer) batchValue(rows []row) ([]byte, error) {
	batch := incident.SubjectsBatch{IncidentID: im.job.incidentID, Subjects: make([]incident.Subject, len(rows))}
	for i, r := range rows {
		batch.Subjects[i] = r.subject
	}
	data, err := json.Marshal(batch)
	if err != nil {
		return nil, fmt.Errorf("encode subjects: %w", err)
	}
	id := batchEventID(im.job.incidentID, im.job.hash, im.job.batch, im.n)
	value, err := json.Marshal(newEvent(id, incident.TypeSubjects, im.job.incidentID, data))
	if err != nil {
		return nil, fmt.Errorf("encode event: %w", err)
	}
	if _, err := contract.Decode(value, ceHeaders); err != nil {
		return nil, err
	}
	return value, nil
}

// batchEventID is the same for the same incident, input bytes, batch size and
// batch number, so re-running an import is a no-op at the daemon. The batch
// size is part of it because it changes which subjects batch n holds.
func batchEventID(incidentID, fileHash string, batchSize, n int) string {
	return derivedID("herald-subjects-v1", incidentID, fileHash, strconv.Itoa(batchSize), strconv.Itoa(n))
}
