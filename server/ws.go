package server

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/lakebook/lakebook/notebooks"
)

const (
	wsSendBuffer   = 1024
	wsWriteTimeout = 10 * time.Second
	wsPingEvery    = 30 * time.Second
	wsMaxMessage   = 8 << 20
)

// client is one websocket connection to a notebook session.
type client struct {
	conn *websocket.Conn
	out  chan frame
	once sync.Once
	done chan struct{}
}

// frame is a message to send: JSON text, or binary (rows as Arrow IPC; see binaryFrame).
type frame struct {
	data   []byte
	binary bool
}

func (f frame) kind() int {
	if f.binary {
		return websocket.BinaryMessage
	}
	return websocket.TextMessage
}

// send queues a text message; it reports false when the client's buffer is full.
func (c *client) send(data []byte) bool { return c.sendFrame(frame{data: data}) }

func (c *client) sendFrame(f frame) bool {
	select {
	case <-c.done:
		return true
	default:
	}
	select {
	case c.out <- f:
		return true
	default:
		return false
	}
}

func (c *client) close() { c.once.Do(func() { close(c.done) }) }

func (c *client) writer(log *slog.Logger) {
	ping := time.NewTicker(wsPingEvery)
	defer ping.Stop()
	defer c.conn.Close()
	for {
		select {
		case f := <-c.out:
			c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if err := c.conn.WriteMessage(f.kind(), f.data); err != nil {
				c.close()
				return
			}
		case <-ping.C:
			c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
			if err := c.conn.WriteMessage(websocket.PingMessage, nil); err != nil {
				c.close()
				return
			}
		case <-c.done:
			// Flush what is queued (a final "closed" event), then say goodbye.
			for {
				select {
				case f := <-c.out:
					c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
					if c.conn.WriteMessage(f.kind(), f.data) != nil {
						return
					}
				default:
					c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
					return
				}
			}
		}
	}
}

// request is a message from a client; see docs/protocol.md.
type request struct {
	Req int64  `json:"req"`
	Op  string `json:"op"`
	ID  string `json:"id"`
	paragraphEdit
	Index    *int   `json:"index"`
	Name     string `json:"name"`
	ResultID string `json:"resultId"`
	Pos      int    `json:"pos"`
	Until    string `json:"until"`
	Offset   int64  `json:"offset"`
	Limit    int64  `json:"limit"`
	// rows, pivot
	Sort   []notebooks.SortKey `json:"sort"`
	Filter []notebooks.Filter  `json:"filter"`
	Chart  *notebooks.Chart    `json:"chart"`
}

type ack struct {
	Type   string  `json:"type"`
	Req    int64   `json:"req"`
	Rev    int64   `json:"rev,omitempty"`
	ID     string  `json:"id,omitempty"`
	RunID  int64   `json:"runId,omitempty"`
	RunIDs []int64 `json:"runIds,omitempty"`
	Rows   [][]any `json:"rows,omitempty"`
	// Columns answers summary; Pivot answers pivot.
	Columns []notebooks.ColumnSummary `json:"columns,omitempty"`
	Pivot   *notebooks.PivotResult    `json:"pivot,omitempty"`
	// Completion answers a complete request.
	*notebooks.Completion `json:",omitempty"`
	// Restarted lists the languages whose kernels a restart stopped.
	Restarted []notebooks.Lang `json:"restarted,omitempty"`
}

type wsError struct {
	Type  string      `json:"type"`
	Req   int64       `json:"req"`
	Error wsErrorBody `json:"error"`
}

type wsErrorBody struct {
	*notebooks.Error
	Paragraph *paragraphView `json:"paragraph,omitempty"`
}

func (s *Server) upgrader() *websocket.Upgrader {
	return &websocket.Upgrader{
		ReadBufferSize:  4096,
		WriteBufferSize: 16384,
		CheckOrigin:     s.originAllowed,
	}
}

func (s *Server) handleWebsocket(w http.ResponseWriter, r *http.Request) {
	ss, err := s.session(r.Context(), r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	conn, err := s.upgrader().Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	conn.SetReadLimit(wsMaxMessage)
	c := &client{conn: conn, out: make(chan frame, wsSendBuffer), done: make(chan struct{})}

	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		conn.Close()
		return
	}
	snap, _ := json.Marshal(event{Type: "notebook", Notebook: ptr(ss.viewLocked())})
	c.out <- frame{data: snap}
	ss.clients[c] = struct{}{}
	ss.mu.Unlock()

	go c.writer(s.log)
	defer func() {
		ss.mu.Lock()
		delete(ss.clients, c)
		ss.active = time.Now()
		ss.mu.Unlock()
		c.close()
	}()
	conn.SetReadDeadline(time.Now().Add(2 * wsPingEvery))
	conn.SetPongHandler(func(string) error { conn.SetReadDeadline(time.Now().Add(2 * wsPingEvery)); return nil })
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return
		}
		conn.SetReadDeadline(time.Now().Add(2 * wsPingEvery))
		var req request
		if err := json.Unmarshal(data, &req); err != nil {
			c.reply(wsError{Type: "error", Error: wsErrorBody{Error: notebooks.AsError(jsonError(err))}})
			continue
		}
		// Requests run one after another per connection, in the order sent, so a client's edit
		// is applied before the run that follows it. Runs themselves are queued, not awaited.
		c.reply(s.handleRequest(r.Context(), ss, c, &req))
	}
}

func (c *client) reply(v any) {
	f, ok := v.(frame)
	if !ok {
		f.data, _ = json.Marshal(v)
	}
	if !c.sendFrame(f) {
		c.close()
	}
}

// rowsHeader heads the binary frame answering a rows request.
type rowsHeader struct {
	Type    string `json:"type"`
	Req     int64  `json:"req"`
	Matched int64  `json:"matched"`
	Offset  int64  `json:"offset"`
}

// binaryFrame is a 4-byte big-endian length, that many bytes of JSON header, then payload.
func binaryFrame(header any, payload []byte) frame {
	h, _ := json.Marshal(header)
	data := make([]byte, 4+len(h)+len(payload))
	binary.BigEndian.PutUint32(data, uint32(len(h)))
	copy(data[4:], h)
	copy(data[4+len(h):], payload)
	return frame{data: data, binary: true}
}

func (s *Server) handleRequest(ctx context.Context, ss *session, c *client, req *request) any {
	a := ack{Type: "ack", Req: req.Req}
	var err error
	switch req.Op {
	case "edit":
		var v paragraphView
		if v, err = ss.edit(ctx, req.ID, req.paragraphEdit); err == nil {
			a.Rev = v.Rev
		}
	case "add":
		idx := -1
		if req.Index != nil {
			idx = *req.Index
		}
		var v paragraphView
		if v, err = ss.add(ctx, idx, req.paragraphEdit); err == nil {
			a.ID = v.ID
		}
	case "move":
		if req.Index == nil {
			err = notebooks.Errorf(notebooks.EInvalid, "move needs an index")
		} else {
			err = ss.move(ctx, req.ID, *req.Index)
		}
	case "delete":
		err = ss.remove(ctx, req.ID)
	case "run":
		var runs []*run
		if runs, err = ss.enqueue(req.ID); err == nil {
			a.RunID = runs[0].view.RunID
		}
	case "runAll":
		ids := ss.paragraphIDs()
		if req.Until != "" {
			ids, err = ss.idsAbove(req.Until)
		}
		var runs []*run
		if err != nil {
			break
		}
		if runs, err = ss.enqueue(ids...); err == nil {
			for _, r := range runs {
				a.RunIDs = append(a.RunIDs, r.view.RunID)
			}
		}
	case "cancel":
		err = ss.cancelRun(req.ID)
	case "complete":
		lang, text := notebooks.Lang(""), ""
		if req.Lang != nil {
			lang = *req.Lang
		}
		if req.Text != nil {
			text = *req.Text
		}
		var c notebooks.Completion
		if c, err = ss.complete(ctx, lang, text, req.Pos); err == nil {
			a.Completion = &c
		}
	case "restart":
		lang := notebooks.Lang("")
		if req.Lang != nil {
			lang = *req.Lang
		}
		a.Restarted = ss.restartKernels(lang)
	case "rename":
		err = s.rename(ctx, ss.id, req.Name)
	case "page":
		a.Rows, err = ss.page(ctx, req.ResultID, req.Offset, req.Limit)
		if err == nil && a.Rows == nil {
			a.Rows = [][]any{}
		}
	case "rows":
		var v ResultViewer
		var id string
		if err = checkPage(req.Offset, req.Limit); err != nil {
			break
		}
		if v, id, err = ss.viewer(ctx, req.ResultID); err != nil {
			break
		}
		var ipc []byte
		var matched int64
		ipc, matched, err = v.Rows(ctx, id, notebooks.RowsQuery{Offset: req.Offset, Limit: req.Limit, Sort: req.Sort, Filter: req.Filter})
		if err == nil {
			return binaryFrame(rowsHeader{Type: "ack", Req: req.Req, Matched: matched, Offset: req.Offset}, ipc)
		}
	case "summary":
		var v ResultViewer
		var id string
		if v, id, err = ss.viewer(ctx, req.ResultID); err == nil {
			a.Columns, err = v.Summary(ctx, id)
		}
	case "pivot":
		var v ResultViewer
		var id string
		if req.Chart == nil {
			err = notebooks.Errorf(notebooks.EInvalid, "pivot needs a chart")
		} else if v, id, err = ss.viewer(ctx, req.ResultID); err == nil {
			a.Pivot, err = v.Pivot(ctx, id, *req.Chart)
		}
	case "sync":
		ss.mu.Lock()
		snap, _ := json.Marshal(event{Type: "notebook", Notebook: ptr(ss.viewLocked())})
		ss.mu.Unlock()
		c.send(snap)
	default:
		err = notebooks.Errorf(notebooks.EInvalid, "unknown op %q", req.Op)
	}
	if err != nil {
		if notebooks.ErrorCode(err) == notebooks.EInternal {
			s.log.Error("websocket request", slog.String("op", req.Op), slog.Any("err", err))
		}
		body := wsErrorBody{Error: notebooks.AsError(err)}
		var ce *conflictError
		if errors.As(err, &ce) {
			body.Paragraph = &ce.paragraph
		}
		return wsError{Type: "error", Req: req.Req, Error: body}
	}
	return a
}

func (ss *session) paragraphIDs() []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ids := make([]string, len(ss.nb.Paragraphs))
	for i, p := range ss.nb.Paragraphs {
		ids[i] = p.ID
	}
	return ids
}
