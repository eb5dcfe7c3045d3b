package gokernel_test

import (
	"github.com/lakebook/lakebook/kernels/gokernel"
	"github.com/lakebook/lakebook/server"
)

var _ server.Kernel = (*gokernel.Kernel)(nil)
