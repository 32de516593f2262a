-- Derivatives of Tide's tensor ops (filled in below).
return function(tide, autograd) end
