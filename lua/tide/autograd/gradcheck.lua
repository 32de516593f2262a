return function(tide, fn, inputs, opts) error("gradcheck: not implemented yet") end
